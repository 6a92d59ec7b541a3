import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { CacheService } from '../../src/core/cache/index.js';
import { InProcessApp, JwksIssuer, RedisSetup, limitOrder } from '../harness/index.js';

const order = (clientOrderId: string) => limitOrder(clientOrderId);

describe('order intake rate limits (@nestjs/throttler, counters in Redis)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  let issuer: JwksIssuer | undefined;
  after(async () => issuer?.close());

  async function boot(env: Record<string, string>) {
    const app = await InProcessApp.start({ RATE_LIMIT_ORDERS_PER_MINUTE: '3', ...env });
    cleanups.push(() => app.close());
    return app;
  }

  it('shares one subject’s budget across instances through Redis, answers 429 with Retry-After, and keeps the bound on memory when Redis dies', async () => {
    const redis = await RedisSetup.start();
    cleanups.push(() => redis.destroy());
    issuer = await JwksIssuer.start();
    const env = { REDIS_URL: redis.master.url, ...issuer.env() };
    const [a, b] = [await boot(env), await boot(env)];
    for (const app of [a, b]) await app.until('the cache on Redis', () => app.get(CacheService).backend === 'redis');
    const alice = await issuer.token('alice', 'orders:write orders:read');
    const bob = await issuer.token('bob', 'orders:write orders:read');
    const post = (app: InProcessApp, token: string, id: string) =>
      app.request({
        method: 'POST',
        url: '/orders',
        payload: order(id),
        headers: { authorization: `Bearer ${token}` },
      });

    const statuses = [await post(a, alice, 'rl-1'), await post(b, alice, 'rl-2'), await post(a, alice, 'rl-3')].map(
      (r) => r.statusCode,
    );
    assert.deepEqual(statuses, [201, 201, 201]);
    const over = await post(b, alice, 'rl-4');
    assert.equal(over.statusCode, 429, 'the fourth in a minute, on the other instance');
    assert.ok(Number(over.headers['retry-after']) >= 1);
    assert.ok(over.json().requestId);
    assert.equal((await post(a, bob, 'rl-bob-1')).statusCode, 201, 'another subject has its own budget');

    // One budget across write routes: two creates and a cancel spend it.
    const dave = await issuer.token('dave', 'orders:write orders:read');
    const first = await post(a, dave, 'rl-dave-1');
    assert.equal(first.statusCode, 201);
    assert.equal((await post(b, dave, 'rl-dave-2')).statusCode, 201);
    const cancel = (token: string, id: string) =>
      a.request({ method: 'POST', url: `/orders/${id}/cancel`, headers: { authorization: `Bearer ${token}` } });
    assert.equal((await cancel(dave, first.json().id as string)).statusCode, 200);
    assert.equal((await cancel(dave, first.json().id as string)).statusCode, 429, 'the cancel spent the same budget');
    assert.equal((await post(b, dave, 'rl-dave-3')).statusCode, 429, 'and so did the creates');
    const erin = await issuer.token('erin', 'orders:write');
    assert.equal((await post(a, erin, 'rl-erin-1')).statusCode, 201);
    assert.equal((await post(a, erin, 'rl-erin-2')).statusCode, 201);

    await redis.kill(redis.master);
    // The instance's memory goes on from what it counted while Redis answered, not from zero.
    assert.deepEqual(
      [(await post(a, erin, 'rl-erin-3')).statusCode, (await post(a, erin, 'rl-erin-4')).statusCode],
      [201, 429],
      'after the Redis kill, erin has one write left on this instance',
    );
    const fresh = await issuer.token('carol', 'orders:write');
    const onMemory = [];
    for (let i = 0; i < 4; i++) onMemory.push((await post(a, fresh, `rl-mem-${i}`)).statusCode);
    assert.deepEqual(onMemory, [201, 201, 201, 429], 'memory keeps the same bound per instance');
  });

  it('limits anonymous callers per address, and is off with 0', async () => {
    const limited = await boot({});
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await limited.request({ method: 'POST', url: '/orders', payload: order(`anon-${i}`) })).statusCode);
    assert.deepEqual(codes, [201, 201, 201, 429]);
    const off = await boot({ RATE_LIMIT_ORDERS_PER_MINUTE: '0' });
    for (let i = 0; i < 5; i++)
      assert.equal((await off.request({ method: 'POST', url: '/orders', payload: order(`off-${i}`) })).statusCode, 201);
  });
});
