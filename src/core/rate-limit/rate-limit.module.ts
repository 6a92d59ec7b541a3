import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { CacheModule, CacheService } from '../cache/index.js';
import { authConfig } from '../config/index.js';
import { FailoverThrottlerStorage } from './failover-throttler.storage.js';
import { SubjectThrottlerGuard } from './subject-throttler.guard.js';

/**
 * @nestjs/throttler with its counters shared through Redis (memory while Redis is away). Routes
 * opt in with `@UseGuards(SubjectThrottlerGuard)`: over RATE_LIMIT_ORDERS_PER_MINUTE a caller
 * gets 429 with Retry-After. 0 turns it off.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [CacheModule],
      inject: [authConfig.KEY, CacheService],
      useFactory: (auth: ConfigType<typeof authConfig>, cache: CacheService) => ({
        // 'default' keeps the headers unsuffixed: Retry-After, X-RateLimit-*.
        throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, auth.ordersPerMinute) }],
        storage: new FailoverThrottlerStorage(cache.store),
        skipIf: () => auth.ordersPerMinute === 0,
      }),
    }),
  ],
  providers: [SubjectThrottlerGuard],
  exports: [ThrottlerModule, SubjectThrottlerGuard],
})
export class RateLimitModule {}
