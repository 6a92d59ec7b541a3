import { Module, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { CacheModule, SHARED_COUNTERS, type SharedCounters } from '../cache/index.js';
import { routesWithoutBudget } from './budget-check.js';
import { FailoverThrottlerStorage } from './failover-throttler.storage.js';
import { SubjectThrottlerGuard } from './subject-throttler.guard.js';

/**
 * @nestjs/throttler with its counters shared through Redis (memory while Redis is away). Routes
 * opt in with `@UseGuards(SubjectThrottlerGuard)` and name the budget they draw on with
 * `@RateBudget(name, config, perMinute)`, its limit read from their own module's config: past it a
 * caller gets 429 with Retry-After. A limit of 0 turns the budget off.
 */
@Module({
  imports: [
    DiscoveryModule,
    ThrottlerModule.forRootAsync({
      imports: [CacheModule],
      inject: [SHARED_COUNTERS],
      useFactory: (counters: SharedCounters) => ({
        // 'default' keeps the headers unsuffixed: Retry-After, X-RateLimit-*. The limit is the
        // route's budget's, set by SubjectThrottlerGuard.
        throttlers: [{ name: 'default', ttl: 60_000, limit: 1 }],
        storage: new FailoverThrottlerStorage(counters),
      }),
    }),
  ],
  providers: [SubjectThrottlerGuard],
  exports: [ThrottlerModule, SubjectThrottlerGuard],
})
export class RateLimitModule implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery.getControllers().flatMap((c) => (c.metatype ? [c.metatype as Type] : []));
    const missing = routesWithoutBudget(controllers);
    if (missing.length > 0)
      throw new Error(`SubjectThrottlerGuard without @RateBudget(name, config, perMinute) on ${missing.join(', ')}`);
  }
}
