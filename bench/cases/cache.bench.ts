import { createClient } from '@redis/client';
import { CacheService } from '../../src/core/cache/index.js';
import { createFailoverStore } from '../../src/core/cache/cache.providers.js';
import { MetricsService } from '../../src/core/monitoring/index.js';
import { RedisSetup } from '../../test/harness/redis.js';
import { waitFor } from '../../test/harness/system.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, percentile, type Sample } from '../lib/stats.js';

const IN_FLIGHT = 32;
const KEYS = 1000;
const OP_TIMEOUT_MS = 50;

type Ops = {
  get(key: string): Promise<unknown>;
  set(key: string, value: { price: number; symbol: string }): Promise<unknown>;
};

async function opsPerSecond(ops: Ops, seconds: number): Promise<Sample> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const caller = async (c: number) => {
    for (let i = c; performance.now() < deadline; i += IN_FLIGHT) {
      const key = `k${i % KEYS}`;
      if (i % 2 === 0) await ops.get(key);
      else await ops.set(key, { price: i, symbol: 'AAPL' });
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, c) => caller(c)));
  return { value: done / seconds };
}

function service(url: string): CacheService {
  const config = {
    redisUrl: url,
    sentinels: [],
    sentinelMaster: undefined,
    sentinelPassword: undefined,
    redisPassword: undefined,
    opTimeoutMs: OP_TIMEOUT_MS,
    memoryMaxEntries: 10_000,
    keyPrefix: 'bench',
    defaultTtlMs: 60_000,
    fallbackTtlMs: 1000,
  };
  return new CacheService(createFailoverStore(config, new MetricsService()));
}

/** get/set through CacheService (bound in force, metrics on) vs the raw node-redis client it runs on. */
export async function cacheThroughput(options: BenchOptions): Promise<CaseResult> {
  const redis = await RedisSetup.start();
  const raw = createClient({ url: redis.master.url });
  await raw.connect();
  const cache = service(redis.master.url);
  cache.onModuleInit();
  try {
    await waitFor('cache on redis', async () => cache.backend === 'redis', 10_000, 20);
    const contenders: Array<[string, Ops]> = [
      [
        'raw @redis/client',
        {
          get: (k) => raw.get(`raw:${k}`),
          set: (k, v) => raw.set(`raw:${k}`, JSON.stringify(v), { expiration: { type: 'PX', value: 60_000 } }),
        },
      ],
      ['CacheService (50 ms bound, metrics on)', { get: (k) => cache.get(k), set: (k, v) => cache.set(k, v) }],
    ];
    for (const [, ops] of contenders) await opsPerSecond(ops, 1);
    const samples = await interleave(
      contenders.map(([name, ops]) => ({ name, measure: () => opsPerSecond(ops, options.seconds) })),
      options.rounds,
    );
    if (cache.backend !== 'redis')
      throw new Error('the cache left Redis during the run: the figures would be the memory tier');
    return {
      case: 'cache-throughput',
      description: `50% get / 50% set, ${IN_FLIGHT} callers, ${KEYS} keys, JSON values`,
      unit: 'ops/s',
      baseline: 'raw @redis/client',
      target: { contender: 'CacheService (50 ms bound, metrics on)', ratio: 0.8, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await raw.close();
    await cache.onApplicationShutdown();
    await redis.destroy();
  }
}

/** Latency of CacheService.get while Redis is dead: the bound must hold for every call. */
export async function cacheDown(options: BenchOptions): Promise<CaseResult> {
  const redis = await RedisSetup.start();
  const cache = service(redis.master.url);
  cache.onModuleInit();
  try {
    await waitFor('cache on redis', async () => cache.backend === 'redis', 10_000, 20);
    await redis.kill(redis.master);
    const round = async (): Promise<Sample> => {
      const latencies: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const started = performance.now();
        await cache.get(`k${i}`);
        latencies.push(performance.now() - started);
      }
      return { value: percentile(latencies, 99), extra: { 'max ms': Math.max(...latencies) } };
    };
    const samples = await interleave([{ name: 'CacheService.get, Redis dead', measure: round }], options.rounds);
    return {
      case: 'cache-down',
      description: `p99 of 2,000 gets per round after Redis is killed (op bound ${OP_TIMEOUT_MS} ms)`,
      unit: 'ms (p99)',
      baseline: 'CacheService.get, Redis dead',
      target: {
        contender: 'CacheService.get, Redis dead',
        value: OP_TIMEOUT_MS,
        direction: 'at-most',
        extra: 'max ms',
      },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await cache.onApplicationShutdown();
    await redis.destroy();
  }
}
