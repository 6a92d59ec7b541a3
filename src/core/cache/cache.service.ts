import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type CacheBackendName, FailoverStore } from './failover-store.js';
import { type InflightLoad, InflightLoads } from './inflight-loads.js';

// Module-level, so the hot path allocates no closure for it.
const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

export interface WrapOptions<T> {
  /** Cache only values this accepts (e.g. not a provisional state); default: all. */
  cacheIf?: (value: T) => boolean;
}

/**
 * The typed cache: get / set / del / wrap over Redis with a memory fallback, every call bounded
 * by CACHE_OP_TIMEOUT_MS. Values are JSON. `CACHE_MANAGER` (from @nestjs/cache-manager) uses the
 * same store, so both see the same data and the same failover.
 */
@Injectable()
export class CacheService implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly store: FailoverStore,
    // Shared with the coherence port (CACHE_COHERENCE), which stops a load when another instance deletes its key.
    private readonly inFlight: InflightLoads = new InflightLoads(),
  ) {}

  /** Where the cache serves from now: Redis, or the memory fallback. */
  get backend(): CacheBackendName {
    return this.store.active;
  }

  onModuleInit(): void {
    this.store.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.store.stop();
    await this.store.redis?.close();
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.store.get(key).then(parse) as Promise<T | undefined>;
  }

  set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    return this.store.set(key, JSON.stringify(value), ttlMs);
  }

  /** Deletes `key`; a load of it already running will not cache its (older) value. */
  async del(key: string): Promise<void> {
    this.inFlight.stop(key);
    await this.store.del(key);
  }

  /**
   * Cache-aside: the cached value, else `loader()` stored for `ttlMs`. One loader per key at a
   * time in this process (concurrent callers share it); a loader that throws caches nothing.
   * A hit costs one await on the store's own promise, and no closure.
   */
  async wrap<T>(key: string, ttlMs: number, loader: () => Promise<T>, options?: WrapOptions<T>): Promise<T> {
    const text = await this.store.get(key);
    if (text !== undefined) return JSON.parse(text) as T;
    return this.load(key, ttlMs, loader, options);
  }

  // The miss: join the load running for `key`, or run one.
  private load<T>(key: string, ttlMs: number, loader: () => Promise<T>, options?: WrapOptions<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running.promise as Promise<T>;
    const entry: InflightLoad = { promise: Promise.resolve(), invalidated: false };
    const load = (async (): Promise<T> => {
      try {
        const value = await loader();
        if (!entry.invalidated && value !== undefined && (options?.cacheIf?.(value) ?? true))
          await this.set(key, value, ttlMs);
        return value;
      } finally {
        this.inFlight.finished(key, entry);
      }
    })();
    entry.promise = load;
    this.inFlight.set(key, entry);
    return load;
  }
}
