import type { HealthService } from '../health/index.js';
import type { FailoverStore } from './failover-store.js';

/**
 * `cache.redis` when Redis is configured: up with latency and master address while on Redis,
 * degraded while serving from memory (the service works, slower and per instance). Never critical.
 */
export function registerCacheHealth(health: HealthService, store: FailoverStore, timeoutMs: number): void {
  const redis = store.redis;
  if (!redis) {
    health.register('cache', { check: async () => ({ status: 'up', details: { backend: 'memory', entries: store.memoryEntries } }) }, { critical: false, weight: 0.5 });
    return;
  }
  health.register('cache.redis', {
    check: async () => {
      const details = { backend: store.active, topology: redis.topology, role: 'master', master: redis.master(), memoryEntries: store.memoryEntries };
      if (store.active === 'memory') {
        return { status: 'degraded', details: { ...details, reason: `serving from memory: ${store.lastError ?? 'redis not connected'}` } };
      }
      const started = performance.now();
      await redis.ping();
      return { status: 'up', details: { ...details, latencyMs: Math.round((performance.now() - started) * 10) / 10 } };
    },
  }, { critical: false, weight: 1, timeoutMs });
}
