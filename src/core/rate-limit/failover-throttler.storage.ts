import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface.js';
import type { SharedCounters } from '../cache/index.js';

/**
 * The throttler's counters in Redis when it answers, so every instance counts the same hits
 * (fixed window, one atomic script per hit, bounded by CACHE_OP_TIMEOUT_MS). Every hit is also
 * counted in @nestjs/throttler's own memory storage, so that while Redis is away the instance
 * goes on from what it has already counted in the window instead of from zero.
 */
export class FailoverThrottlerStorage implements ThrottlerStorage {
  private readonly memory = new ThrottlerStorageService();

  constructor(private readonly counters: SharedCounters) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const local = await this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
    const shared = await this.counters.increment(`throttle:${throttlerName}:${key}`, ttl);
    if (!shared) return local;
    const [totalHits, msLeft] = shared;
    const timeToExpire = Math.max(1, Math.ceil(msLeft / 1000));
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }
}
