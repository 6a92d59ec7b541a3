import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { InProcessApp, OidcIssuer, limitOrder, waitFor } from '../harness/index.js';

describe('OIDC against a real provider (oidc-provider, client credentials) started by the test', () => {
  let idp: OidcIssuer;
  let app: InProcessApp;
  const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
    app.request({ method, url, payload, headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    idp = await OidcIssuer.start();
    // No AUTH_JWKS_URL: discovery. A trailing slash the provider's issuer does not have. The
    // default cooldown (30 s) and RFC 9068's typ required.
    app = await InProcessApp.start(idp.env({ AUTH_ISSUER: `${idp.url}/`, AUTH_REQUIRED_TYP: 'at+jwt' }));
  });
  after(async () => {
    await app?.close();
    await idp?.close();
  });

  it('discovers the JWKS from AUTH_ISSUER, trailing slash and all, and lets tokens act as their client', async () => {
    const alice = await idp.token('alice', 'orders:read orders:write');
    assert.equal(decodeJwt(alice).iss, idp.url, 'the provider states its issuer without the slash');
    const created = await call('POST', '/orders', alice, limitOrder('oidc-1'));
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    assert.equal((await call('GET', `/orders/${id}`, alice)).statusCode, 200);
    assert.equal((await call('GET', `/orders/${id}`, await idp.token('bob', 'orders:read'))).statusCode, 404);
    assert.equal(idp.hitsOn('/.well-known/openid-configuration'), 1, 'discovered once');
    assert.ok(idp.hitsOn('/jwks') >= 1, 'keys fetched from the discovered jwks_uri');
  });

  it('reads scopes from an scp array (Okta style) as from the scope string', async () => {
    const writer = await idp.token('okta-style', 'orders:read orders:write');
    const claims = decodeJwt(writer);
    assert.deepEqual(claims.scp, ['orders:read', 'orders:write']);
    assert.equal(claims.scope, undefined);
    const created = await call('POST', '/orders', writer, limitOrder('oidc-scp'));
    assert.equal(created.statusCode, 201, created.body);
    const reader = await idp.token('okta-style', 'orders:read');
    assert.equal((await call('POST', '/orders', reader, limitOrder('oidc-scp-2'))).statusCode, 403);
    assert.equal((await call('GET', '/orders', reader)).statusCode, 200);
  });

  it('accepts tokens signed with keys rotated in inside AUTH_JWKS_COOLDOWN_MS, fetching once per rotation', async () => {
    assert.equal((await call('GET', '/orders', await idp.token('alice', 'orders:read'))).statusCode, 200);
    for (const alg of ['RS256', 'ES256'] as const) {
      const fetchesBefore = idp.hitsOn('/jwks');
      const kid = await idp.rotate(alg);
      const token = await idp.token('alice', 'orders:read');
      assert.equal(decodeProtectedHeader(token).kid, kid, `the provider signs with the new ${alg} key`);
      const res = await call('GET', '/orders', token);
      assert.equal(res.statusCode, 200, `${alg}: ${res.body}`);
      assert.equal(idp.hitsOn('/jwks'), fetchesBefore + 1, `${alg}: one fetch for the new kid`);
    }
  });

  it('answers 503 with Retry-After while discovery fails, and verifies once the provider is back', async () => {
    const token = await idp.token('alice', 'orders:read');
    const fresh = await InProcessApp.start(idp.env({ AUTH_JWKS_RETRY_MIN_MS: '100', AUTH_JWKS_COOLDOWN_MS: '200' }));
    try {
      idp.down = true;
      const discoveriesBefore = idp.hitsOn('/.well-known/openid-configuration');
      const res = await fresh.request({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 503, res.body);
      assert.ok(Number(res.headers['retry-after']) >= 1);
      assert.equal(idp.hitsOn('/.well-known/openid-configuration'), discoveriesBefore + 1);
      idp.down = false;
      await waitFor('a token verified after the outage', async () => {
        const again = await fresh.request({
          method: 'GET',
          url: '/orders',
          headers: { authorization: `Bearer ${token}` },
        });
        return again.statusCode === 200;
      });
    } finally {
      idp.down = false;
      await fresh.close();
    }
  });
});
