import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { cacheConfig } from './cache.config.js';
import { MetricsService } from '../monitoring/index.js';
import { CacheMetrics } from './cache.metrics.js';
import { FailoverStore } from './failover-store.js';
import { createRedisBackend } from './redis-backend.js';

// The failover window may be left out (a test, a bench): its defaults then.
type CacheConfig = Omit<ConfigType<typeof cacheConfig>, 'failover'> & {
  failover?: ConfigType<typeof cacheConfig>['failover'];
};

/** The store from configuration: a Redis client (standalone or Sentinel) when one is configured, metrics when given. */
export function createFailoverStore(config: CacheConfig, metrics?: MetricsService): FailoverStore {
  const redisConfigured = Boolean(config.redisUrl) || config.sentinels.length > 0;
  const redis = redisConfigured
    ? createRedisBackend({
        url: config.redisUrl,
        sentinels: config.sentinels,
        sentinelMaster: config.sentinelMaster,
        sentinelPassword: config.sentinelPassword,
        redisPassword: config.redisPassword,
        connectTimeoutMs: Math.max(200, config.opTimeoutMs * 10),
      })
    : undefined;
  // The metrics read the store at scrape time; the store reports each operation to the metrics.
  const cacheMetrics = metrics ? new CacheMetrics(metrics, () => store) : undefined;
  const store: FailoverStore = new FailoverStore(
    {
      prefix: config.keyPrefix,
      opTimeoutMs: config.opTimeoutMs,
      memoryMaxEntries: config.memoryMaxEntries,
      defaultTtlMs: config.defaultTtlMs,
      fallbackTtlMs: config.fallbackTtlMs,
      failover: config.failover,
    },
    redis,
    cacheMetrics?.hooks,
  );
  return store;
}

/** The cache's edge, made by a provider so a test can swap it. */
export const cacheProviders: Provider[] = [
  {
    provide: FailoverStore,
    inject: [cacheConfig.KEY, MetricsService],
    useFactory: (config: CacheConfig, metrics: MetricsService) => createFailoverStore(config, metrics),
  },
];
