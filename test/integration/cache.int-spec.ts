import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { CacheService } from '../../src/core/cache/index.js';
import { FailoverStore } from '../../src/core/cache/failover-store.js';
import { DatabaseService, PostgresNotifications } from '../../src/core/database/index.js';
import {
  InProcessApp,
  PostgresCluster,
  RedisSetup,
  TcpProxy,
  TEST_TOKEN,
  freePort,
  waitFor,
  within,
  limitOrder,
} from '../harness/index.js';

const OP_TIMEOUT_MS = 50;
// Generous: the operation bound plus scheduling on a loaded 2-core machine. A hang would blow far past it.
const BOUND = 1000;

describe('CacheModule against a real Redis', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => undefined);

  async function boot(env: Record<string, string>) {
    const app = await InProcessApp.start({ CACHE_OP_TIMEOUT_MS: String(OP_TIMEOUT_MS), ...env });
    cleanups.push(() => app.close());
    return app;
  }

  // The metrics registry is the process's: counters carry over from earlier tests, so compare before and after.
  const switchesToMemory = async (app: InProcessApp) =>
    Number(
      /cache_backend_switches_total\{to="memory"\} (\d+)/.exec(
        (await app.request({ method: 'GET', url: '/metrics' })).body,
      )?.[1] ?? 0,
    );

  const health = async (app: InProcessApp) =>
    (await app.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json();

  it('keeps every call bounded and every route answering while Redis is killed, and returns to Redis when it is back', async () => {
    const redis = await RedisSetup.start();
    cleanups.push(() => redis.destroy());
    const app = await boot({ REDIS_URL: redis.master.url });
    const cache = app.get(CacheService);
    await app.until('the cache on Redis', () => cache.backend === 'redis');
    await cache.set('k', { v: 1 });
    assert.equal(
      await redis.cli(redis.master.port, 'GET', `tsc:k`),
      '{"v":1}',
      'the value is in Redis, under the prefix',
    );
    const created = await app.request({
      method: 'POST',
      url: '/orders',
      payload: limitOrder('c-1'),
    });
    const id = created.json().id as string;

    await redis.kill(redis.master);
    for (let i = 0; i < 50; i++) {
      await within(BOUND, 'cache get', cache.get('k'));
      await within(BOUND, 'cache set', cache.set(`x${i}`, i));
      const res = await within(BOUND * 2, 'GET /orders/:id', app.request({ method: 'GET', url: `/orders/${id}` }));
      assert.equal(res.statusCode, 200);
    }
    assert.equal(cache.backend, 'memory');
    const degraded = await health(app);
    assert.equal(degraded.details['cache.redis'].status, 'degraded');
    assert.equal(degraded.status, 'degraded');
    assert.equal((await app.request({ method: 'GET', url: '/health/ready' })).statusCode, 200);

    await redis.restart(redis.master);
    await app.until('the cache back on Redis', () => cache.backend === 'redis', 10_000);
    assert.equal((await health(app)).details['cache.redis'].status, 'up');
    const metrics = (await app.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /cache_operations_total\{backend="redis",op="get",result="(timeout|error)"\} [1-9]/);
  });

  it('stays on Redis through a freeze shorter than the failover window: keys kept, every call bounded, health up', async () => {
    const redis = await RedisSetup.start();
    cleanups.push(() => redis.destroy());
    const app = await boot({ REDIS_URL: redis.master.url, CACHE_FAILOVER_WINDOW_MS: '3000' });
    const cache = app.get(CacheService);
    await app.until('the cache on Redis', () => cache.backend === 'redis');
    await cache.set('kept', { v: 1 });
    const switchesBefore = await switchesToMemory(app);
    redis.pause(redis.master);
    // Before the app closes (cleanups run last first): closing waits for the frozen Redis's replies.
    cleanups.push(() => redis.resume(redis.master));
    // A third of the window frozen, with the cache busy all along (each call waits its bound).
    const frozeAt = performance.now();
    let calls = 0;
    while (performance.now() - frozeAt < 1000) {
      await within(BOUND, 'cache get', cache.get('kept'));
      await within(BOUND, 'cache set', cache.set(`frozen-${calls}`, calls));
      calls += 2;
      assert.equal(cache.backend, 'redis', `on memory after ${calls} calls to a briefly frozen Redis`);
    }
    assert.ok(app.get(FailoverStore).failoverWindow().failures > 10, 'the calls did fail: Redis was frozen');
    const during = await within(BOUND * 2, 'GET /health', health(app));
    assert.equal(during.details['cache.redis'].status, 'up', 'health degraded before any switch');
    redis.resume(redis.master);
    await waitFor('Redis answering again', async () => (await cache.get('kept')) !== undefined, 5000, 10);
    assert.equal(cache.backend, 'redis');
    assert.deepEqual(await cache.get('kept'), { v: 1 }, 'a key from before the freeze was purged');
    const metrics = (await app.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /cache_operations_total\{backend="redis",op="get",result="timeout"\} [1-9]/);
    assert.equal(await switchesToMemory(app), switchesBefore, 'counted a switch to memory');
  });

  it('leaves a Redis frozen for longer than the window for memory, comes back when it answers, and never serves a value deleted meanwhile', async () => {
    const redis = await RedisSetup.start();
    cleanups.push(() => redis.destroy());
    const app = await boot({ REDIS_URL: redis.master.url, CACHE_FAILOVER_WINDOW_MS: '1000' });
    const cache = app.get(CacheService);
    await app.until('the cache on Redis', () => cache.backend === 'redis');
    await cache.set('order:1', { status: 'new' });
    const switchesBefore = await switchesToMemory(app);
    // Frozen, not killed: Redis keeps its data and its connections, as after a network partition.
    redis.pause(redis.master);
    // Before the app closes (cleanups run last first): closing waits for the frozen Redis's replies.
    cleanups.push(() => redis.resume(redis.master));
    await within(BOUND, 'cache del', cache.del('order:1'));
    assert.equal(cache.backend, 'redis', 'one timed-out delete switched the cache');
    let calls = 0;
    while (cache.backend === 'redis') {
      assert.equal(await within(BOUND, 'cache get', cache.get('order:1')), undefined, 'a deleted value was served');
      await within(BOUND, 'cache set', cache.set(`frozen-${calls}`, calls));
      calls += 2;
      // 50 ms a call: a window is some 40 calls, two windows some 80. Far past that it never switches.
      assert.ok(calls < 1000, 'still on Redis after 1000 calls to a frozen Redis');
    }
    assert.equal(cache.backend, 'memory');
    await within(BOUND, 'cache set', cache.set('during', 2));
    assert.equal(await within(BOUND, 'cache get', cache.get('during')), 2, 'the memory tier serves');
    const degraded = await within(BOUND * 2, 'GET /health', health(app));
    assert.equal(degraded.details['cache.redis'].status, 'degraded');
    assert.equal(await switchesToMemory(app), switchesBefore + 1, 'one switch to memory');
    assert.match((await app.request({ method: 'GET', url: '/metrics' })).body, /cache_fallback_active 1/);

    redis.resume(redis.master);
    await app.until('the cache back on Redis', () => cache.backend === 'redis', 10_000);
    assert.equal(await cache.get('order:1'), undefined);
    assert.equal(await redis.cli(redis.master.port, 'EXISTS', 'tsc:order:1'), '0');
    assert.equal((await health(app)).details['cache.redis'].status, 'up');
  });

  it('boots with Redis down without waiting for it, then moves to Redis when it starts', async () => {
    const port = await freePort();
    const app = await within(10_000, 'boot', boot({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    const cache = app.get(CacheService);
    assert.equal(cache.backend, 'memory');
    await within(BOUND, 'cache set', cache.set('boot', 1));
    assert.equal(await within(BOUND, 'cache get', cache.get('boot')), 1);
    const redis = await RedisSetup.start();
    cleanups.push(() => redis.destroy());
    // Not the port the app knows: start one there.
    await redis.kill(redis.master);
    redis.master.port = port;
    await redis.restart(redis.master);
    await app.until('the cache on Redis', () => cache.backend === 'redis', 15_000);
  });

  it('follows a Sentinel failover to the promoted replica', async () => {
    const redis = await RedisSetup.start({ sentinel: true });
    cleanups.push(() => redis.destroy());
    const app = await boot({
      REDIS_SENTINELS: `127.0.0.1:${redis.sentinel?.port}`,
      REDIS_SENTINEL_MASTER: RedisSetup.MASTER_NAME,
    });
    const cache = app.get(CacheService);
    await app.until('the cache on Redis through Sentinel', () => cache.backend === 'redis', 15_000);
    await cache.set('s', 'before');
    assert.equal((await health(app)).details['cache.redis'].master, `127.0.0.1:${redis.master.port}`);
    await redis.kill(redis.master);
    const replica = redis.replica as { port: number };
    await waitFor('sentinel failover', async () => (await redis.sentinelMaster())[1] === replica.port, 20_000, 250);
    await waitFor(
      'the cache writing to the new master',
      async () => {
        await cache.set('s', 'after');
        return cache.backend === 'redis' && (await redis.cli(replica.port, 'GET', 'tsc:s')) === '"after"';
      },
      20_000,
      250,
    );
    assert.equal(await cache.get('s'), 'after');
  });
});

describe('orders read path through the cache', () => {
  it('never returns the old value after a write', async () => {
    const redis = await RedisSetup.start();
    const app = await InProcessApp.start({ REDIS_URL: redis.master.url });
    try {
      const cache = app.get(CacheService);
      await app.until('the cache on Redis', () => cache.backend === 'redis');
      for (let i = 0; i < 20; i++) {
        const created = await app.request({
          method: 'POST',
          url: '/orders',
          payload: {
            clientOrderId: `rw-${i}`,
            symbol: 'MSFT',
            side: 'sell',
            type: 'limit',
            quantity: 2,
            limitPrice: 20,
          },
        });
        const id = created.json().id as string;
        // Warm the cache, and keep readers running while the write happens.
        assert.equal((await app.request({ method: 'GET', url: `/orders/${id}` })).json().status, 'new');
        const readers = Array.from({ length: 5 }, () => app.request({ method: 'GET', url: `/orders/${id}` }));
        const cancelled = await app.request({ method: 'POST', url: `/orders/${id}/cancel` });
        assert.equal(cancelled.json().status, 'cancelled');
        await Promise.all(readers);
        const after = await app.request({ method: 'GET', url: `/orders/${id}` });
        assert.equal(after.json().status, 'cancelled', `order ${i}: a read after the write returned the old value`);
        assert.equal(
          JSON.parse((await redis.cli(redis.master.port, 'GET', `tsc:order:${id}`)) || '{"status":"cancelled"}').status,
          'cancelled',
        );
      }
    } finally {
      await app.close();
      await redis.destroy();
    }
  });
});

/** Two instances on one Postgres, each with its own Redis URL, both in normal mode on Redis. */
async function twoInstances(
  cluster: PostgresCluster,
  redisA: string,
  redisB: string,
  env: Record<string, string> = {},
): Promise<[InProcessApp, InProcessApp]> {
  const common = { DB_PRIMARY_URL: cluster.primary.url, CACHE_OP_TIMEOUT_MS: String(OP_TIMEOUT_MS), ...env };
  const pair: [InProcessApp, InProcessApp] = [
    await InProcessApp.start({ ...common, REDIS_URL: redisA }),
    await InProcessApp.start({ ...common, REDIS_URL: redisB }),
  ];
  for (const app of pair) {
    await app.until(
      'normal mode and Redis',
      () => app.get(DatabaseService).currentMode === 'normal' && app.get(CacheService).backend === 'redis',
    );
  }
  return pair;
}

const orderStatus = async (app: InProcessApp, id: string) =>
  (await app.request({ method: 'GET', url: `/orders/${id}` })).json().status as string;

async function createOrder(app: InProcessApp, clientOrderId: string): Promise<string> {
  return (await app.request({ method: 'POST', url: '/orders', payload: limitOrder(clientOrderId) })).json()
    .id as string;
}

/**
 * Reads `id` on `reader` until it says `cancelled`; returns how long after the acknowledgement the
 * last stale read started. Expiry is absolute: a read that starts after an entry's life has ended
 * cannot be stale, however loaded the machine, so this is the contradiction window.
 */
async function staleWindowMs(reader: InProcessApp, id: string, acknowledged: number): Promise<number> {
  const staleStarts: number[] = [];
  for (;;) {
    const started = performance.now();
    const status = await orderStatus(reader, id);
    if (status === 'cancelled') return Math.max(0, ...staleStarts);
    assert.equal(status, 'new');
    staleStarts.push(started - acknowledged);
    assert.ok(started - acknowledged < 5000, 'the other instance kept answering the old state');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('cache coherence across instances without Redis', () => {
  it('a change acknowledged by one instance is contradicted by another for less than CACHE_FALLBACK_TTL_MS', async () => {
    const cluster = await PostgresCluster.start();
    const redis = await RedisSetup.start();
    const [a, b] = await twoInstances(cluster, redis.master.url, redis.master.url, { CACHE_FALLBACK_TTL_MS: '1000' });
    try {
      const id = await createOrder(a, 'coherent-1');
      await redis.kill(redis.master);
      await b.until('B on its memory tier', () => (void orderStatus(b, id), b.get(CacheService).backend === 'memory'));
      await a.until('A on its memory tier', () => (void orderStatus(a, id), a.get(CacheService).backend === 'memory'));
      assert.equal(await orderStatus(b, id), 'new', 'B holds the order in its own memory');
      assert.equal((await a.request({ method: 'POST', url: `/orders/${id}/cancel` })).statusCode, 200);
      const worst = await staleWindowMs(b, id, performance.now());
      assert.ok(worst < 1000, `B contradicted A for ${Math.round(worst)} ms`);
    } finally {
      await a.close();
      await b.close();
      await redis.destroy();
      cluster.destroy();
    }
  });
});

describe('cache coherence when one instance alone cannot reach Redis', () => {
  it('relays its deletes through Postgres: the others stop serving the old Redis entry at once', async () => {
    const cluster = await PostgresCluster.start();
    const redis = await RedisSetup.start();
    const proxy = await TcpProxy.start(redis.master.port);
    const [a, b] = await twoInstances(cluster, redis.master.url, `redis://127.0.0.1:${proxy.port}`);
    try {
      const id = await createOrder(a, 'partitioned-1');
      assert.equal(await orderStatus(a, id), 'new');
      const cached = await redis.cli(redis.master.port, 'EXISTS', `tsc:order:${id}`);
      assert.equal(cached, '1', 'the order is cached in Redis');
      await proxy.cut();
      await b.until('B cut off from Redis', () => (void orderStatus(b, id), b.get(CacheService).backend === 'memory'));
      assert.equal(a.get(CacheService).backend, 'redis', 'A still reaches Redis');
      // The listening connection follows the writer after a probe: wait until B's relay can be heard.
      await a.until('A listening for relayed deletes', () => a.get(PostgresNotifications).listening === 'primary');
      assert.equal((await b.request({ method: 'POST', url: `/orders/${id}/cancel` })).statusCode, 200);
      const worst = await staleWindowMs(a, id, performance.now());
      assert.ok(worst < 1000, `A contradicted B for ${Math.round(worst)} ms`);
      assert.match(
        await redis.cli(redis.master.port, 'GET', `tsc:order:${id}`),
        /"status":"cancelled"/,
        'the old entry is gone from Redis; what is there now is the new state',
      );
      const metrics = (await a.request({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /cache_invalidations_relayed_total\{direction="received"\} [1-9]/);
    } finally {
      await a.close();
      await b.close();
      await proxy.cut();
      await redis.destroy();
      cluster.destroy();
    }
  });
});
