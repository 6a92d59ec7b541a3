import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { CacheModule, SHARED_COUNTERS, type SharedCounters } from '../cache/index.js';
import { authConfig } from '../config/index.js';
import { FailoverThrottlerStorage } from './failover-throttler.storage.js';
import { RATE_BUDGETS } from './rate-limit.constants.js';
import { SubjectThrottlerGuard } from './subject-throttler.guard.js';

/**
 * @nestjs/throttler with its counters shared through Redis (memory while Redis is away). Routes
 * opt in with `@UseGuards(SubjectThrottlerGuard)` and draw on a budget (`@RateBudget`, default
 * `writes`): over RATE_LIMIT_ORDERS_PER_MINUTE order writes, or RATE_LIMIT_QUOTES_PER_MINUTE
 * quotes, a caller gets 429 with Retry-After. 0 turns a budget off.
 */
@Module({
  imports: [
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
  providers: [
    SubjectThrottlerGuard,
    {
      provide: RATE_BUDGETS,
      inject: [authConfig.KEY],
      useFactory: (auth: ConfigType<typeof authConfig>) => ({
        writes: auth.ordersPerMinute,
        quotes: auth.quotesPerMinute,
      }),
    },
  ],
  exports: [ThrottlerModule, SubjectThrottlerGuard, RATE_BUDGETS],
})
export class RateLimitModule {}
