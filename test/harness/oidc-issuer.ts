import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { Provider } from 'oidc-provider';

type Alg = 'ES256' | 'RS256';
type Payload = Record<string, unknown>;

const AUDIENCE = 'trading-api';
const SCOPES = 'orders:read orders:write quotes:read admin';
/** Clients whose tokens carry `scp` (an array, as Okta does) instead of `scope`. */
const SCP_CLIENTS = new Set(['okta-style']);

/** The in-memory store oidc-provider needs (its own default warns on every start). */
class MemoryAdapter {
  private static readonly items = new Map<string, Payload>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: Payload) {
    MemoryAdapter.items.set(this.key(id), payload);
  }
  async find(id: string) {
    return MemoryAdapter.items.get(this.key(id));
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id: string) {
    const item = MemoryAdapter.items.get(this.key(id));
    if (item) item.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MemoryAdapter.items.delete(this.key(id));
  }
  async revokeByGrantId() {}
}

/**
 * A real OpenID provider (`oidc-provider`) on a free loopback port: discovery, a JWKS, and the
 * client credentials grant issuing RFC 9068 JWT access tokens (`typ: at+jwt`) for audience
 * `trading-api`. Keys rotate by swapping in a provider that signs with a new key and still
 * publishes the old ones, on the same address. Counts the requests for each path.
 */
export class OidcIssuer {
  readonly audience = AUDIENCE;
  readonly hits = new Map<string, number>();
  /** Every request answered 503, as a provider in an outage. */
  down = false;
  private handler?: (req: IncomingMessage, res: ServerResponse) => void;
  private keys: JWK[] = [];
  private signAlg: Alg = 'ES256';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OidcIssuer> {
    const server = createServer();
    const issuer = new OidcIssuer(server);
    server.on('request', (req, res) => issuer.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await issuer.rotate('ES256');
    return issuer;
  }

  /** The issuer as the provider states it: no trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The environment that points the service at this provider by discovery alone. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { AUTH_MODE: 'jwt', AUTH_ISSUER: this.url, AUTH_AUDIENCE: AUDIENCE, ...extra };
  }

  /** Signs from now on with a new `alg` key, still publishing the previous ones. Returns its kid. */
  async rotate(alg: Alg): Promise<string> {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`;
    this.keys = [{ ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }, ...this.keys];
    this.signAlg = alg;
    this.handler = this.provider().callback();
    return kid;
  }

  /** An access token for `clientId` (its `sub`) by the client credentials grant. */
  async token(clientId: string, scope: string): Promise<string> {
    const res = await fetch(`${this.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secretOf(clientId)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || !body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  hitsOn(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    this.hits.set(path, this.hitsOn(path) + 1);
    if (this.down) res.writeHead(503, { 'content-type': 'text/plain' }).end('temporarily unavailable');
    else this.handler?.(req, res);
  }

  private provider(): Provider {
    const clients = ['alice', 'bob', 'okta-style'].map((clientId) => ({
      client_id: clientId,
      client_secret: secretOf(clientId),
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    }));
    return new Provider(this.url, {
      adapter: MemoryAdapter,
      jwks: { keys: this.keys },
      clients,
      clientDefaults: { id_token_signed_response_alg: this.signAlg },
      ttl: { ClientCredentials: 300 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:trading-api',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: SCOPES,
            audience: AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: this.signAlg } },
          }),
        },
      },
      formats: {
        customizers: {
          jwt: (_ctx: unknown, token: { clientId?: string }, jwt: { payload: Payload }) => {
            if (!SCP_CLIENTS.has(token.clientId ?? '')) return;
            jwt.payload.scp = String(jwt.payload.scope ?? '').split(' ');
            delete jwt.payload.scope;
          },
        },
      },
    });
  }
}

function secretOf(clientId: string): string {
  return `${clientId}-secret-0123456789abcdef`;
}
