import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { cacheConfig } from './cache.config.js';
import { HealthService } from '../health/index.js';
import { FailoverStore } from './failover-store.js';

/**
 * `cache.redis` when Redis is configured: up with latency, master address and the failover
 * window while on Redis (a ping over the bound is noted, not counted: only the window switches),
 * degraded once the cache serves from memory (the service works, slower and per instance); `cache`
 * (memory only) otherwise. Never critical.
 */
@Injectable()
export class CacheHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: FailoverStore,
    @Inject(cacheConfig.KEY) private readonly config: ConfigType<typeof cacheConfig>,
  ) {}

  onModuleInit(): void {
    if (!this.store.redis) {
      this.health.register({ name: 'cache', critical: false, weight: 0.5, check: (key) => this.memory(key) });
      return;
    }
    this.health.register({
      name: 'cache.redis',
      critical: false,
      // The store's ping is bounded by the operation timeout: this one only catches a bug.
      timeoutMs: this.config.opTimeoutMs * 2 + 100,
      check: (key) => this.redis(key),
    });
  }

  private memory(key: string) {
    return this.indicators.check(key).up({ backend: 'memory', entries: this.store.memoryEntries });
  }

  private async redis(key: string) {
    const store = this.store;
    const redis = store.redis!;
    const data = {
      backend: store.active,
      topology: redis.topology,
      role: 'master',
      master: redis.master(),
      memoryEntries: store.memoryEntries,
    };
    const check = this.indicators.check(key);
    if (store.active === 'memory')
      return check.degraded({ ...data, reason: `serving from memory: ${store.lastError ?? 'redis not connected'}` });
    // On Redis until the failover window says otherwise: one slow ping makes a note, not a
    // degradation, as one slow operation does not switch the cache.
    const latency = await store.ping();
    const window = store.failoverWindow();
    return check.up({
      ...data,
      latencyMs: latency === undefined ? null : Math.round(latency * 10) / 10,
      ...(latency === undefined && { note: `ping over ${this.config.opTimeoutMs} ms` }),
      window: { calls: window.calls, failures: window.failures, failingForMs: Math.round(window.failingForMs) },
    });
  }
}
