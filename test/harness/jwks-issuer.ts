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

/** How the JWKS endpoint answers: its keys, a 500, garbage, an empty key set, or nothing at all. */
export type JwksMode = 'ok' | 'fail' | 'garbage' | 'empty' | 'hang';

/**
 * A token issuer for tests: a real JWKS endpoint on a free loopback port, keys the test
 * generates, and a signer for any claims and header (valid, expired, for another audience, a
 * logout token...). The JWKS can be made to fail in each way of `JwksMode`, and keys can be added
 * after the service has fetched it (rotation).
 */
export class JwksIssuer {
  readonly issuer = 'https://issuer.test/';
  readonly audience = 'trading-api';
  mode: JwksMode = 'ok';
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
      /** The `typ` header; none by default. */
      typ?: string;
    } = {},
  ): Promise<string> {
    const key = options.key ?? this.published[0];
    // Overrides (another audience, another issuer, a sub that is not a string) replace the standard claims.
    const jwt = new SignJWT({ sub, iss: this.issuer, aud: this.audience, scope, ...options.claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, ...(options.typ ? { typ: options.typ } : {}) })
      .setExpirationTime(options.expiresIn ?? '5m');
    if (options.claims?.iat === undefined) jwt.setIssuedAt();
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(key.privateKey);
  }

  get firstKey(): Key {
    return this.published[0];
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(res: ServerResponse): void {
    this.fetches += 1;
    const json = { 'content-type': 'application/json' };
    switch (this.mode) {
      case 'ok':
        res.writeHead(200, json).end(JSON.stringify({ keys: this.published.map((k) => k.publicJwk) }));
        return;
      case 'fail':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'garbage':
        res.writeHead(200, json).end('<html>503 Service Temporarily Unavailable</html>');
        return;
      case 'empty':
        res.writeHead(200, json).end(JSON.stringify({ keys: [] }));
        return;
      case 'hang':
        this.hanging.add(res);
        return;
    }
  }
}
