import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { cacheConfig } from '../config/index.js';
import { HealthService } from '../health/index.js';
import { CacheService } from './cache.service.js';

/**
 * `cache.redis` when Redis is configured: up with latency and master address while on Redis,
 * degraded while serving from memory (the service works, slower and per instance); `cache`
 * (memory only) otherwise. Never critical.
 */
@Injectable()
export class CacheHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    private readonly cache: CacheService,
    @Inject(cacheConfig.KEY) private readonly config: ConfigType<typeof cacheConfig>,
  ) {}

  onModuleInit(): void {
    if (!this.cache.store.redis) {
      this.health.register({ name: 'cache', critical: false, weight: 0.5, check: (key) => this.memory(key) });
      return;
    }
    this.health.register({
      name: 'cache.redis',
      critical: false,
      timeoutMs: this.config.opTimeoutMs,
      check: (key) => this.redis(key),
    });
  }

  private memory(key: string) {
    return this.indicators.check(key).up({ backend: 'memory', entries: this.cache.store.memoryEntries });
  }

  private async redis(key: string) {
    const store = this.cache.store;
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
    const started = performance.now();
    await redis.ping();
    return check.up({ ...data, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
  }
}
