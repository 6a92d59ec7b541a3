import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, exportJWK, generateKeyPair, type JWK } from 'jose';
import { KeyFetchError, KeysUnavailableError } from './key-errors.js';
import { KeyStore } from './key-store.js';
import { RefetchBackoff } from './refetch-backoff.js';

async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
}

/** A store over a fake issuer whose answer the test sets, on a clock the test moves. */
function storeOver(issuer: { answer: () => unknown }, options: { refreshMs?: number; maxStaleMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  const seen = { loads: 0, failures: [] as string[] };
  const store = new KeyStore({
    load: async () => {
      seen.loads += 1;
      return issuer.answer();
    },
    backoff: new RefetchBackoff(1000, 30_000, () => clock.now),
    refreshMs: options.refreshMs ?? 600_000,
    maxStaleMs: options.maxStaleMs ?? 3_600_000,
    now: () => clock.now,
    onFailure: (error) => void seen.failures.push(error.failure),
  });
  return { store, clock, seen };
}

const header = (kid: string) => ({ alg: 'ES256', kid });
const failing = () => {
  throw new KeyFetchError('status', 'http://issuer.test/jwks answered 500');
};

describe(KeyStore.name, () => {
  it('fetches again at once for a kid published right after the last fetch (a rotation)', async () => {
    const keys = [await publicJwk('old')];
    const { store, seen } = storeOver({ answer: () => ({ keys }) });
    await store.getKey(header('old'));
    keys.push(await publicJwk('new'));
    assert.ok(await store.getKey(header('new')), 'the rotated key is found without waiting for a cooldown');
    assert.equal(seen.loads, 2);
  });

  it('refuses a kid the issuer does not publish, after one fetch for it', async () => {
    const keys = [await publicJwk('old')];
    const { store, seen } = storeOver({ answer: () => ({ keys }) });
    await store.getKey(header('old'));
    await assert.rejects(store.getKey(header('forged')), errors.JWKSNoMatchingKey);
    assert.equal(seen.loads, 2);
  });

  it('keeps serving the last keys past their refresh age while the issuer fails, up to the stale bound', async () => {
    const keys = [await publicJwk('k1')];
    const issuer = { answer: (): unknown => ({ keys }) };
    const { store, clock, seen } = storeOver(issuer, { refreshMs: 60_000, maxStaleMs: 300_000 });
    await store.getKey(header('k1'));
    issuer.answer = failing;
    clock.now += 299_000;
    assert.ok(await store.getKey(header('k1')), 'stale keys still verify');
    await new Promise(setImmediate);
    assert.deepEqual(seen.failures, ['status'], 'the background refresh failed and was reported');
    clock.now += 1000;
    const error = await store.getKey(header('k1')).catch((e: unknown) => e);
    assert.ok(error instanceof KeysUnavailableError, String(error));
    assert.ok(error.retryAfterMs > 0);
  });

  it('refreshes keys past their age in the background and serves the new set', async () => {
    let keys = [await publicJwk('k1')];
    const { store, clock, seen } = storeOver({ answer: () => ({ keys }) }, { refreshMs: 60_000 });
    await store.getKey(header('k1'));
    clock.now += 60_000;
    const replaced = [await publicJwk('k2')];
    keys = replaced;
    assert.ok(await store.getKey(header('k1')), 'the request that notices the age is served at once');
    await new Promise(setImmediate);
    assert.equal(seen.loads, 2);
    assert.deepEqual(
      store.jwks()?.keys.map((k) => k.kid),
      ['k2'],
    );
  });

  it('answers KeysUnavailable, never a refusal, for a 5xx, garbage, an empty set or a timeout', async () => {
    const answers: Array<() => unknown> = [
      failing,
      () => ({ keys: 'not keys' }),
      () => ({ keys: [] }),
      () => 'just text',
      () => {
        throw new KeyFetchError('timeout', 'http://issuer.test/jwks did not answer within 300 ms');
      },
    ];
    for (const answer of answers) {
      const { store } = storeOver({ answer });
      const error = await store.getKey(header('k1')).catch((e: unknown) => e);
      assert.ok(error instanceof KeysUnavailableError, `${answer.toString()}: ${String(error)}`);
    }
  });

  it('keeps the last keys when the issuer answers garbage', async () => {
    const keys = [await publicJwk('k1')];
    const issuer = { answer: (): unknown => ({ keys }) };
    const { store } = storeOver(issuer);
    await store.getKey(header('k1'));
    issuer.answer = () => ({ keys: [] });
    await assert.rejects(store.getKey(header('unknown')), KeysUnavailableError);
    assert.ok(await store.getKey(header('k1')));
  });

  it('makes a bounded number of fetches under a flood of unknown kids while the issuer fails', async () => {
    const issuer = { answer: failing as () => unknown };
    const { store, clock, seen } = storeOver(issuer);
    // 10,000 requests over 60 simulated seconds, 6 ms apart.
    for (let i = 0; i < 10_000; i++) {
      await store.getKey(header(`forged-${i}`)).catch(() => undefined);
      clock.now += 6;
    }
    // Waits of 1, 2, 4, 8, 16 s then 30 s: at most 7 fetches in 60 s.
    assert.ok(seen.loads <= 7, `${seen.loads} fetches`);
    assert.ok(seen.loads >= 3, `${seen.loads} fetches: the issuer is still being retried`);
  });

  it('makes one fetch for many callers at once', async () => {
    const keys = [await publicJwk('k1')];
    const { store, seen } = storeOver({ answer: () => ({ keys }) });
    await Promise.all(Array.from({ length: 50 }, () => store.getKey(header('k1'))));
    assert.equal(seen.loads, 1);
  });

  it("keeps jose's RemoteJWKSet surface", async () => {
    const keys = [await publicJwk('k1')];
    const { store } = storeOver({ answer: () => ({ keys }) });
    const remote = store.asRemoteJWKSet();
    assert.equal(remote.jwks(), undefined);
    assert.equal(remote.fresh, false);
    await remote.reload();
    assert.equal(remote.fresh, true);
    assert.equal(remote.reloading, false);
    assert.ok(await remote(header('k1')));
    assert.deepEqual(
      remote.jwks()?.keys.map((k) => k.kid),
      ['k1'],
    );
  });
});
