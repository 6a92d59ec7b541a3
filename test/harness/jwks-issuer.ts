import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';

type Key = {
  kid: string;
  alg: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
  spki: string;
};

/**
 * A token issuer for tests: a real JWKS endpoint on a free loopback port, keys the test
 * generates, and a signer for any claims (valid, expired, for another audience...). The JWKS can
 * be made to hang, and keys can be added after the service has fetched it (rotation).
 */
export class JwksIssuer {
  readonly issuer = 'https://issuer.test/';
  readonly audience = 'trading-api';
  hang = false;
  fetches = 0;
  private readonly published: Key[] = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<JwksIssuer> {
    const server = createServer();
    const issuer = new JwksIssuer(server);
    server.on('request', (_req, res) => issuer.handle(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await issuer.addKey('ES256');
    return issuer;
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** The environment that points the service at this issuer. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      AUTH_MODE: 'jwt',
      AUTH_JWKS_URL: this.jwksUrl,
      AUTH_ISSUER: this.issuer,
      AUTH_AUDIENCE: this.audience,
      ...extra,
    };
  }

  /** Generates a key; `publish: false` keeps it out of the JWKS (an unknown kid). */
  async addKey(alg: 'ES256' | 'RS256', publish = true): Promise<Key> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`;
    const key: Key = {
      kid,
      alg,
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
      spki: await exportSPKI(publicKey),
    };
    if (publish) this.published.push(key);
    return key;
  }

  /** A token for `sub` with `scope`, signed with `key` (default: the first), claims overridable. */
  async token(
    sub: string,
    scope: string,
    options: {
      key?: Key;
      claims?: Record<string, unknown>;
      expiresIn?: string | number;
      notBefore?: string | number;
    } = {},
  ): Promise<string> {
    const key = options.key ?? this.published[0];
    // Overrides (another audience, another issuer) replace the standard claims.
    const jwt = new SignJWT({ sub, iss: this.issuer, aud: this.audience, scope, ...options.claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m');
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(key.privateKey);
  }

  get firstKey(): Key {
    return this.published[0];
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(res: ServerResponse): void {
    this.fetches += 1;
    if (this.hang) {
      this.hanging.add(res);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: this.published.map((k) => k.publicJwk) }));
  }
}
