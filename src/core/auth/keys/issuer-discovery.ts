import { KeyFetchError } from './key-errors.js';

/** Where the keys are, and the `iss` values a token may carry. */
export interface IssuerEndpoints {
  jwksUri: URL;
  issuers: readonly string[];
}

type GetJson = (url: URL) => Promise<unknown>;

const trimSlashes = (url: string) => url.replace(/\/+$/, '');

/**
 * Finds the issuer's JWKS. With an explicit JWKS URL nothing is fetched, and `iss` may be the
 * configured issuer with or without its trailing slash (the provider's own form is unknown).
 * Otherwise `<issuer>/.well-known/openid-configuration` is read once (OpenID Connect Discovery
 * 1.0, section 4): its `issuer` must name the configured one (trailing slash aside) and is then
 * the only `iss` accepted, exactly as the provider states it; its `jwks_uri` is where keys come
 * from. A failed discovery is retried by the caller, under its backoff.
 */
export class IssuerDiscovery {
  private endpoints?: IssuerEndpoints;

  constructor(
    private readonly issuer: string,
    jwksUrl: string | undefined,
    private readonly getJson: GetJson,
  ) {
    if (jwksUrl)
      this.endpoints = { jwksUri: new URL(jwksUrl), issuers: [trimSlashes(issuer), `${trimSlashes(issuer)}/`] };
  }

  /** The endpoints once known; undefined before a discovery has succeeded. */
  get known(): IssuerEndpoints | undefined {
    return this.endpoints;
  }

  async resolve(): Promise<IssuerEndpoints> {
    this.endpoints ??= await this.discover();
    return this.endpoints;
  }

  private async discover(): Promise<IssuerEndpoints> {
    const url = new URL(`${trimSlashes(this.issuer)}/.well-known/openid-configuration`);
    const document = await this.getJson(url);
    const { issuer, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof issuer !== 'string' || trimSlashes(issuer) !== trimSlashes(this.issuer))
      throw new KeyFetchError('invalid', `the discovery document at ${url.origin}${url.pathname} names another issuer`);
    if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri) || !URL.canParse(jwksUri))
      throw new KeyFetchError(
        'invalid',
        `the discovery document at ${url.origin}${url.pathname} has no usable jwks_uri`,
      );
    return { jwksUri: new URL(jwksUri), issuers: [issuer] };
  }
}
