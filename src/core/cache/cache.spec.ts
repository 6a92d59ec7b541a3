import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { TimeoutError } from '../common/index.js';
import { createFailoverStore } from './cache.providers.js';
import { CacheService } from './cache.service.js';
import { FailoverStore } from './failover-store.js';
import type { RedisBackend } from './redis-backend.js';
import { SharedDeadlines } from './shared-deadlines.js';

const config = {
  redisUrl: undefined,
  sentinels: [],
  sentinelMaster: undefined,
  sentinelPassword: undefined,
  redisPassword: undefined,
  opTimeoutMs: 50,
  memoryMaxEntries: 100,
  keyPrefix: 't',
  defaultTtlMs: 60_000,
  fallbackTtlMs: 60_000,
};

/** A Redis stand-in whose answers the test controls: the network edge, not the logic under test. */
class ScriptedRedis implements RedisBackend {
  readonly topology = 'standalone' as const;
  data = new Map<string, string>();
  /**
   * up; hang: connected but never answering (frozen, SIGSTOP); error: connected and answering
   * errors; down: connection refused, the client knows it is not ready.
   */
  mode: 'up' | 'hang' | 'error' | 'down' = 'up';
  deleted: string[] = [];
  get isReady() {
    return this.mode !== 'down';
  }
  private answer<T>(value: () => T): Promise<T> {
    if (this.mode === 'hang') return new Promise(() => undefined);
    if (this.mode === 'error') return Promise.reject(new Error('OOM command not allowed'));
    if (this.mode === 'down') return Promise.reject(new Error('ECONNREFUSED'));
    return Promise.resolve(value());
  }
  get(key: string) {
    return this.answer(() => this.data.get(key) ?? null);
  }
  set(key: string, value: string) {
    return this.answer(() => this.data.set(key, value));
  }
  del(keys: string[]) {
    return this.answer(() => {
      this.deleted.push(...keys);
      keys.forEach((k) => this.data.delete(k));
      return keys.length;
    });
  }
  ping() {
    return this.answer(() => 'PONG');
  }
  incr(key: string, ttlMs: number) {
    return this.answer((): [number, number] => {
      const n = Number(this.data.get(key) ?? 0) + 1;
      this.data.set(key, String(n));
      return [n, ttlMs];
    });
  }
  deletePrefix(prefix: string) {
    return this.answer(() =>
      [...this.data.keys()].filter((k) => k.startsWith(prefix)).forEach((k) => this.data.delete(k)),
    );
  }
  master() {
    return '127.0.0.1:6379';
  }
  async close() {}
}

/** Runs the recovery the store's timer would run, once: Redis answers, so the store is on it after. */
async function onRedis(store: FailoverStore): Promise<void> {
  await store.recover();
  assert.equal(store.active, 'redis');
}

describe(SharedDeadlines.name, () => {
  it('rejects an operation that never settles once its deadline passes', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const deadlines = new SharedDeadlines(50, 10);
    const pending = deadlines.bound(new Promise(() => undefined));
    t.mock.timers.tick(50);
    await assert.rejects(pending, TimeoutError);
  });

  it('passes results and errors through', async () => {
    const deadlines = new SharedDeadlines(1000);
    assert.equal(await deadlines.bound(Promise.resolve(3)), 3);
    await assert.rejects(deadlines.bound(Promise.reject(new Error('x'))), /x/);
  });
});

describe(FailoverStore.name, () => {
  it('falls back to an empty memory tier at once when the connection is down', async () => {
    const redis = new ScriptedRedis();
    const store = new FailoverStore(
      { prefix: 't', opTimeoutMs: 30, memoryMaxEntries: 10, defaultTtlMs: 1000, fallbackTtlMs: 1000 },
      redis,
    );
    await onRedis(store);
    await store.set('k', 'v1');
    redis.mode = 'down';
    assert.equal(await store.get('k'), undefined, 'nothing from before the outage');
    assert.equal(store.active, 'memory');
    await store.set('k', 'v2');
    assert.equal(await store.get('k'), 'v2');
  });

  it('keeps a memory-tier entry at most fallbackTtlMs, whatever TTL the caller asked (the fleet bound)', async () => {
    let now = 1_000;
    const clock = { now: () => now };
    const redis = new ScriptedRedis();
    const options = {
      prefix: 't',
      opTimeoutMs: 30,
      memoryMaxEntries: 10,
      defaultTtlMs: 60_000,
      fallbackTtlMs: 1000,
      clock,
    };
    const store = new FailoverStore(options, redis);
    redis.mode = 'down';
    await store.set('item:1', 'new', 30_000);
    assert.equal(store.active, 'memory');
    now += 1000;
    assert.equal(await store.get('item:1'), 'new', 'a whole fallbackTtlMs');
    now += 1;
    assert.equal(await store.get('item:1'), undefined, 'gone after fallbackTtlMs, not after the 30 s asked');
  });

  it('asks Redis whether it is back only when recover() runs, and stays on memory while it is not', async () => {
    const redis = new ScriptedRedis();
    const store = new FailoverStore(
      { prefix: 't', opTimeoutMs: 30, memoryMaxEntries: 10, defaultTtlMs: 1000, fallbackTtlMs: 1000 },
      redis,
    );
    redis.mode = 'down';
    await store.recover();
    assert.equal(store.active, 'memory');
    redis.mode = 'up';
    await store.recover();
    assert.equal(store.active, 'redis');
  });

  it('deletes from Redis the keys touched during the outage before using it again', async () => {
    const redis = new ScriptedRedis();
    const store = new FailoverStore(
      { prefix: 't', opTimeoutMs: 30, memoryMaxEntries: 10, defaultTtlMs: 1000, fallbackTtlMs: 1000 },
      redis,
    );
    await onRedis(store);
    await store.set('item:1', 'old');
    redis.mode = 'down';
    await store.del('item:1');
    assert.equal(store.active, 'memory');
    redis.mode = 'up';
    await onRedis(store);
    assert.deepEqual(redis.deleted, ['t:item:1']);
    assert.equal(await store.get('item:1'), undefined, 'the old value is gone from Redis too');
  });

  it('purges the whole prefix when too many keys were touched to remember them', async () => {
    const redis = new ScriptedRedis();
    const store = new FailoverStore(
      { prefix: 't', opTimeoutMs: 30, memoryMaxEntries: 2, defaultTtlMs: 1000, fallbackTtlMs: 1000 },
      redis,
    );
    await onRedis(store);
    await store.set('a', '1');
    redis.data.set('other:x', 'kept');
    redis.mode = 'down';
    for (const k of ['a', 'b', 'c', 'd']) await store.set(k, 'new');
    redis.mode = 'up';
    await onRedis(store);
    assert.deepEqual([...redis.data.keys()], ['other:x']);
  });
});

describe(`${FailoverStore.name}: when a connected Redis is left`, () => {
  const failover = { windowMs: 1000, failureRatePercent: 50, minCalls: 10 };

  /** A store on the mocked clock (Date, setTimeout), on Redis, whose operations the hooks record. */
  async function storeOnMockedClock(t: TestContext) {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const redis = new ScriptedRedis();
    const ops: string[] = [];
    const store = new FailoverStore(
      {
        prefix: 't',
        opTimeoutMs: 30,
        memoryMaxEntries: 10,
        defaultTtlMs: 60_000,
        fallbackTtlMs: 1000,
        failover,
        clock: { now: () => Date.now() },
      },
      redis,
      { onOperation: (backend, op, result) => ops.push(`${backend}:${op}:${result}`) },
    );
    await onRedis(store);
    return { redis, store, ops };
  }

  /** Starts `operation`, moves the clock past the bound, and returns its answer. */
  async function overrun<T>(t: TestContext, operation: Promise<T>): Promise<T> {
    t.mock.timers.tick(30);
    return operation;
  }

  it('answers one timed-out read with a miss within the bound, and stays on Redis with its keys', async (t) => {
    const { redis, store, ops } = await storeOnMockedClock(t);
    await store.set('k', 'v1');
    redis.mode = 'hang';
    assert.equal(await overrun(t, store.get('k')), undefined);
    await overrun(t, store.set('other', 'x'));
    assert.equal(store.active, 'redis', 'two slow operations switched the cache');
    redis.mode = 'up';
    assert.equal(await store.get('k'), 'v1', 'Redis still serves what it held: nothing purged');
    assert.deepEqual(
      ops.filter((op) => /timeout|error/.test(op)),
      ['redis:get:timeout', 'redis:set:timeout'],
    );
  });

  it('leaves a frozen Redis for memory once it has failed for a whole window, and not before', async (t) => {
    const { redis, store } = await storeOnMockedClock(t);
    redis.mode = 'hang';
    const frozeAt = Date.now();
    let reads = 0;
    while (store.active === 'redis' && reads < 200) {
      assert.equal(await overrun(t, store.get('k')), undefined);
      reads += 1;
      if (store.active === 'redis') assert.ok(Date.now() - frozeAt < 2 * failover.windowMs, 'still on Redis');
    }
    assert.equal(store.active, 'memory');
    // The 10th read (minCalls) starts the failing stretch; the switch comes a whole window later.
    assert.ok(Date.now() - frozeAt >= failover.windowMs, `switched after ${Date.now() - frozeAt} ms of failures`);
    await store.set('k', 'memory');
    assert.equal(await store.get('k'), 'memory');
  });

  it('counts errors of a connected Redis like timeouts: one does not switch, a window of them does', async (t) => {
    const { redis, store } = await storeOnMockedClock(t);
    redis.mode = 'error';
    assert.equal(await store.get('k'), undefined);
    assert.equal(store.active, 'redis');
    for (let i = 0; i < 200 && store.active === 'redis'; i++) {
      t.mock.timers.tick(20);
      await store.get('k');
    }
    assert.equal(store.active, 'memory');
  });

  it('reads a key whose delete Redis did not confirm as a miss, and deletes it again, until Redis has', async (t) => {
    const { redis, store } = await storeOnMockedClock(t);
    const relayed: string[][] = [];
    store.onUnpropagatedDelete(async (keys) => relayed.push(keys));
    await store.set('item:1', 'old');
    redis.mode = 'hang';
    await overrun(t, store.del('item:1'));
    assert.equal(store.active, 'redis');
    assert.deepEqual(relayed, [['item:1']], 'the other instances are told of the delete');
    // Redis answers again, and never applied that delete.
    redis.mode = 'up';
    assert.equal(redis.data.get('t:item:1'), 'old');
    assert.equal(await store.get('item:1'), undefined, 'the old value was served after its delete');
    await store.recover();
    assert.equal(redis.data.has('t:item:1'), false, 'deleted again in the background');
    await store.set('item:1', 'new');
    assert.equal(await store.get('item:1'), 'new', 'read from Redis again once written');
  });
});

describe(CacheService.name, () => {
  const cache = () => new CacheService(createFailoverStore(config));

  it('runs one loader for 100 concurrent callers of a cold key', async () => {
    const service = cache();
    let calls = 0;
    const loader = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return { price: 1 };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => service.wrap('cold', 1000, loader)));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.price === 1));
    assert.deepEqual(await service.get('cold'), { price: 1 });
  });

  it('caches no error: the next call runs the loader again', async () => {
    const service = cache();
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error('upstream down');
    };
    await assert.rejects(service.wrap('k', 1000, failing));
    await assert.rejects(service.wrap('k', 1000, failing));
    assert.equal(calls, 2);
  });

  it('does not cache a value loaded before the key was deleted', async () => {
    const service = cache();
    let release!: () => void;
    const slow = service.wrap('item:1', 1000, () => new Promise<string>((resolve) => (release = () => resolve('old'))));
    await new Promise((r) => setImmediate(r));
    await service.del('item:1');
    release();
    assert.equal(await slow, 'old');
    assert.equal(await service.get('item:1'), undefined);
  });

  it('answers a hit from Redis without running the loader', async () => {
    const redis = new ScriptedRedis();
    const store = new FailoverStore(
      { prefix: 't', opTimeoutMs: 30, memoryMaxEntries: 10, defaultTtlMs: 1000, fallbackTtlMs: 1000 },
      redis,
    );
    await onRedis(store);
    redis.data.set('t:item:7', '{"status":"new"}');
    const service = new CacheService(store);
    let calls = 0;
    const value = await service.wrap('item:7', 1000, async () => ((calls += 1), { status: 'loaded' }));
    assert.deepEqual(value, { status: 'new' });
    assert.equal(calls, 0);
  });

  it('honours cacheIf', async () => {
    const service = cache();
    await service.wrap('p', 1000, async () => ({ status: 'accepted' }), { cacheIf: (v) => v.status !== 'accepted' });
    assert.equal(await service.get('p'), undefined);
  });
});
