import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { InProcessApp, JwksIssuer, waitFor, within, type JwksMode } from '../harness/index.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `auth_jwks_fetches_total{result="status"}`: the metrics registry outlives one app, so tests take differences. */
async function failedFetches(app: InProcessApp): Promise<number> {
  const metrics = (await app.request({ method: 'GET', url: '/metrics' })).body;
  return Number(/^auth_jwks_fetches_total\{result="status"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

describe('JWT authentication against a JWKS endpoint that fails', () => {
  let issuer: JwksIssuer;
  let app: InProcessApp | undefined;
  const start = async (extra: Record<string, string> = {}) => {
    app = await InProcessApp.start(
      issuer.env({
        AUTH_JWKS_TIMEOUT_MS: '300',
        AUTH_JWKS_RETRY_MIN_MS: '100',
        AUTH_JWKS_COOLDOWN_MS: '1000',
        ...extra,
      }),
    );
    return app;
  };
  const get = (target: InProcessApp, token: string) =>
    target.request({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    issuer = await JwksIssuer.start();
  });
  afterEach(async () => {
    issuer.mode = 'ok';
    await app?.close();
    app = undefined;
  });
  after(async () => {
    await issuer?.close();
  });

  it('answers 503 with Retry-After, never 401, to a JWKS that answers 500, garbage, no key or nothing', async () => {
    for (const mode of ['fail', 'garbage', 'empty', 'hang'] as JwksMode[]) {
      issuer.mode = mode;
      const target = await start();
      const res = await within(3_000, `a first fetch that meets ${mode}`, get(target, await issuer.token('a', '')));
      assert.equal(res.statusCode, 503, `${mode}: ${res.body}`);
      assert.ok(Number(res.headers['retry-after']) >= 1, mode);
      await target.close();
      app = undefined;
    }
  });

  it('keeps verifying with the last keys while the JWKS fails, until AUTH_JWKS_MAX_STALE_MS, then answers 503', async () => {
    const target = await start({ AUTH_JWKS_REFRESH_MS: '1000', AUTH_JWKS_MAX_STALE_MS: '4000' });
    const token = await issuer.token('grace', 'orders:read');
    assert.equal((await get(target, token)).statusCode, 200);
    issuer.mode = 'fail';
    await sleep(1_200);
    const fetchesBefore = issuer.fetches;
    assert.equal((await get(target, token)).statusCode, 200, 'keys past their refresh age still verify');
    await target.until('the background refresh to be tried', () => issuer.fetches > fetchesBefore);
    const unknown = await get(
      target,
      await issuer.token('grace', 'orders:read', { key: await issuer.addKey('ES256') }),
    );
    assert.equal(unknown.statusCode, 503, 'a key not fetched yet is not a refusal');
    await sleep(3_000);
    const stale = await get(target, token);
    assert.equal(stale.statusCode, 503, `keys past AUTH_JWKS_MAX_STALE_MS serve no more: ${stale.body}`);
    assert.ok(Number(stale.headers['retry-after']) >= 1);
  });

  it('makes a bounded number of JWKS fetches under a flood of unknown kids while the JWKS fails', async () => {
    issuer.mode = 'fail';
    const target = await start({ AUTH_JWKS_RETRY_MIN_MS: '200', AUTH_JWKS_COOLDOWN_MS: '2000' });
    const claims = b64({
      sub: 'mallory',
      iss: issuer.issuer,
      aud: issuer.audience,
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const forged = () =>
      `${b64({ alg: 'ES256', kid: randomBytes(6).toString('hex') })}.${claims}.${randomBytes(64).toString('base64url')}`;
    const fetchesBefore = issuer.fetches;
    const countedBefore = await failedFetches(target);
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 100; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => get(target, forged())));
      for (const res of answers) {
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode !== 503 || Number(res.headers['retry-after']) >= 1);
      }
    }
    const fetches = issuer.fetches - fetchesBefore;
    assert.deepEqual([...statuses], [[503, 1000]], 'every forged token met a failing JWKS: 503, never 401');
    assert.ok(fetches >= 1 && fetches <= 12, `${fetches} JWKS fetches for 1000 requests`);
    // A fetch still in flight when the flood ends is counted when it fails.
    await waitFor(
      'each failed fetch counted',
      async () => (await failedFetches(target)) - countedBefore === issuer.fetches - fetchesBefore,
      5_000,
    );
  });
});
