import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { InProcessApp, JwksIssuer, TEST_TOKEN, within, limitOrder } from '../harness/index.js';

const order = (clientOrderId: string) => limitOrder(clientOrderId);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT authentication and scopes against a real JWKS endpoint', () => {
  let issuer: JwksIssuer;
  let app: InProcessApp;
  const call = (method: 'GET' | 'POST', url: string, token?: string, payload?: object) =>
    app.request({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    issuer = await JwksIssuer.start();
    app = await InProcessApp.start(
      issuer.env({
        AUTH_JWKS_TIMEOUT_MS: '300',
        AUTH_JWKS_COOLDOWN_MS: '0',
        AUTH_JWKS_RETRY_MIN_MS: '10',
        AUTH_CLOCK_SKEW_S: '5',
      }),
    );
  });
  after(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('lets a valid token act within its scopes, and shows an order to its owner only', async () => {
    const alice = await issuer.token('alice', 'orders:read orders:write');
    const bob = await issuer.token('bob', 'orders:read orders:write');
    const admin = await issuer.token('ops', 'orders:read admin');
    const created = await call('POST', '/orders', alice, order('auth-1'));
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    assert.equal((await call('GET', `/orders/${id}`, alice)).statusCode, 200);
    assert.equal(
      (await call('GET', `/orders/${id}`, bob)).statusCode,
      404,
      "another subject's order does not exist for bob",
    );
    assert.equal((await call('POST', `/orders/${id}/cancel`, bob)).statusCode, 404);
    assert.equal((await call('GET', `/orders/${id}`, admin)).statusCode, 200, 'admin sees every order');
    const bobsList = (await call('GET', '/orders', bob)).json().orders as Array<{ id: string }>;
    assert.ok(!bobsList.some((o) => o.id === id), "bob's list leaves alice's order out");
    assert.ok(((await call('GET', '/orders', alice)).json().orders as Array<{ id: string }>).some((o) => o.id === id));
  });

  it('answers 401 with WWW-Authenticate for missing, expired, early, foreign, unsigned and HS256 tokens', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'eve', scope: 'orders:read', iss: issuer.issuer, aud: issuer.audience, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT', kid: issuer.firstKey.kid });
    const hsBody = b64({
      sub: 'eve',
      scope: 'orders:read',
      iss: issuer.issuer,
      aud: issuer.audience,
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const hs256 = `${hsHeader}.${hsBody}.${createHmac('sha256', issuer.firstKey.spki).update(`${hsHeader}.${hsBody}`).digest('base64url')}`;
    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      expired: await issuer.token('eve', 'orders:read', { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      'not yet valid': await issuer.token('eve', 'orders:read', { notBefore: '10m' }),
      'another audience': await issuer.token('eve', 'orders:read', { claims: { aud: 'someone-else' } }),
      'another issuer': await issuer.token('eve', 'orders:read', { claims: { iss: 'https://evil.test/' } }),
      'alg none': none,
      'HS256 with the public key': hs256,
      garbage: 'not.a.jwt',
    };
    for (const [what, token] of Object.entries(tokens)) {
      const res = await call('GET', '/orders', token);
      assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
      assert.match(String(res.headers['www-authenticate']), /^Bearer/, what);
      assert.ok(res.json().requestId, what);
    }
    const metrics = (await app.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /auth_refusals_total\{reason="invalid"\} [1-9]/);
    assert.match(metrics, /auth_refusals_total\{reason="missing"\} [1-9]/);
  });

  it('answers 403 with insufficient_scope when a scope is missing', async () => {
    const reader = await issuer.token('carol', 'orders:read');
    const res = await call('POST', '/orders', reader, order('auth-scope'));
    assert.equal(res.statusCode, 403);
    assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
    assert.equal((await call('GET', '/quotes/AAPL', reader)).statusCode, 403, 'quotes need quotes:read');
  });

  it('fetches the JWKS again for an unknown kid (a rotated key), and refuses a kid it never publishes', async () => {
    const rotated = await issuer.addKey('RS256');
    const fetchesBefore = issuer.fetches;
    const res = await call('GET', '/orders', await issuer.token('dave', 'orders:read', { key: rotated }));
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(issuer.fetches > fetchesBefore, 'the new key was fetched');
    const unpublished = await issuer.addKey('ES256', false);
    assert.equal(
      (await call('GET', '/orders', await issuer.token('dave', 'orders:read', { key: unpublished }))).statusCode,
      401,
    );
  });

  it('keeps operator endpoints for the operator token or the admin scope, and probes free of tokens', async () => {
    assert.equal((await call('GET', '/admin/circuit-breakers', await issuer.token('ops', 'admin'))).statusCode, 200);
    assert.equal((await call('GET', '/admin/circuit-breakers', TEST_TOKEN)).statusCode, 200);
    assert.equal(
      (await call('GET', '/admin/circuit-breakers', await issuer.token('alice', 'orders:read'))).statusCode,
      403,
    );
    assert.equal((await call('GET', '/admin/circuit-breakers', 'wrong-token')).statusCode, 401);
    for (const url of ['/health/live', '/health/ready', '/health', '/metrics'])
      assert.equal((await call('GET', url)).statusCode, 200, url);
  });

  it('answers 503 with Retry-After, within the fetch bound, when the JWKS endpoint hangs, and keeps cached keys working', async () => {
    issuer.mode = 'hang';
    try {
      const stranger = await issuer.addKey('ES256');
      const res = await within(
        3_000,
        'a token whose key must be fetched',
        call('GET', '/orders', await issuer.token('erin', 'orders:read', { key: stranger })),
      );
      assert.equal(res.statusCode, 503, res.body);
      assert.ok(Number(res.headers['retry-after']) >= 1);
      const cached = await within(
        3_000,
        'a token whose key is cached',
        call('GET', '/orders', await issuer.token('erin', 'orders:read')),
      );
      assert.equal(cached.statusCode, 200, 'keys already fetched keep working while the JWKS hangs');
    } finally {
      issuer.mode = 'ok';
    }
  });

  it('accepts an access token typ (at+jwt, JWT or none) and refuses a logout token, a far exp and an old iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const typ of ['at+jwt', 'application/at+jwt', 'JWT', undefined]) {
      const res = await call('GET', '/orders', await issuer.token('frank', 'orders:read', { typ }));
      assert.equal(res.statusCode, 200, `${String(typ)}: ${res.body}`);
    }
    const refused: Record<string, string> = {
      'logout+jwt': await issuer.token('frank', 'orders:read', { typ: 'logout+jwt' }),
      'exp in 9999': await issuer.token('frank', 'orders:read', { expiresIn: 253_402_300_799 }),
      'iat two days ago': await issuer.token('frank', 'orders:read', { claims: { iat: now - 172_800 } }),
      'iat in an hour': await issuer.token('frank', 'orders:read', { claims: { iat: now + 3600 } }),
    };
    for (const [what, token] of Object.entries(refused)) {
      const res = await call('GET', '/orders', token);
      assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
      assert.match(String(res.headers['www-authenticate']), /invalid_token/, what);
    }
  });

  it('refuses a sub that is not a non-empty string fitting the owner column, so 42 and "42" stay apart', async () => {
    for (const sub of [42, null, {}, ['a'], '', 'x'.repeat(129), 'nul\u0000byte']) {
      const token = await issuer.token('ignored', 'orders:read orders:write', { claims: { sub } });
      const res = await call('GET', '/orders', token);
      assert.equal(res.statusCode, 401, `${JSON.stringify(sub)}: ${res.body}`);
    }
    const longest = 'é'.repeat(128);
    const created = await call('POST', '/orders', await issuer.token(longest, 'orders:write'), order('auth-long-sub'));
    assert.equal(created.statusCode, 201, created.body);
    const read = await call('GET', `/orders/${created.json().id}`, await issuer.token(longest, 'orders:read'));
    assert.equal(read.statusCode, 200, 'a 128-character subject owns its order');
    assert.equal((await call('GET', '/orders', await issuer.token('42', 'orders:read'))).statusCode, 200);
  });
});
