/**
 * Counters every instance shares (Redis while it answers), for the rate limiter: the cache's one
 * port besides CacheService, so no other module reaches into its store.
 */
export interface SharedCounters {
  /** Counts a hit on `key` in a fixed window of `ttlMs`: [hits, ms left], or undefined while Redis is away. */
  increment(key: string, ttlMs: number): Promise<[number, number] | undefined>;
}

export const SHARED_COUNTERS = Symbol('SHARED_COUNTERS');
