import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { secretRedactor, TimeoutError } from '../common/index.js';
import type { RedisBackend } from './redis-backend.js';
import { SharedDeadlines } from './shared-deadlines.js';

export type CacheBackendName = 'redis' | 'memory';
export type CacheOp = 'get' | 'set' | 'del';
export type OpResult = 'hit' | 'miss' | 'ok' | 'error' | 'timeout';

export interface FailoverStoreOptions {
  prefix: string;
  opTimeoutMs: number;
  memoryMaxEntries: number;
  defaultTtlMs: number;
  /**
   * Longest life of a memory-tier entry. The memory tier is each instance's own: a value another
   * instance changed is served here at most this long (the fleet's staleness bound without Redis).
   */
  fallbackTtlMs: number;
  /** How often, while on memory, Redis is asked whether it is back. */
  recoveryIntervalMs?: number;
  /** What the memory tier's TTLs are measured with (a test injects its own). */
  clock?: { now(): number };
}

export interface FailoverStoreHooks {
  onOperation?(backend: CacheBackendName, op: CacheOp, result: OpResult, durationMs: number): void;
  onSwitch?(to: CacheBackendName, reason: string): void;
}

/**
 * Redis when it answers, a bounded in-memory LRU when it does not; no operation waits longer
 * than `opTimeoutMs`. The memory tier starts empty at each switch, and its entries live at most
 * `fallbackTtlMs`, since no other instance can invalidate them. Keys written or deleted while
 * on memory are remembered and deleted from Redis before switching back (all keys under the
 * prefix if there were too many to remember), so nothing cached before an outage is served stale after it.
 */
export class FailoverStore {
  private backend: CacheBackendName = 'memory';
  private readonly memory: LRUCache<string, string>;
  private readonly deadlines: SharedDeadlines;
  private readonly dirty = new Set<string>();
  private dirtyOverflow = false;
  private timer?: NodeJS.Timeout;
  private recovering = false;
  private readonly unpropagated = new Set<(keys: string[]) => Promise<unknown>>();
  lastError?: string;
  private readonly logger = new Logger('Cache');

  constructor(
    private readonly options: FailoverStoreOptions,
    readonly redis: RedisBackend | undefined,
    private readonly hooks: FailoverStoreHooks = {},
  ) {
    this.memory = new LRUCache({
      max: options.memoryMaxEntries,
      ttl: Math.min(options.defaultTtlMs, options.fallbackTtlMs),
      ttlAutopurge: false,
      // Read the clock on every check, so an injected one is obeyed to the millisecond.
      ttlResolution: 0,
      ...(options.clock && { perf: options.clock }),
    });
    this.deadlines = new SharedDeadlines(options.opTimeoutMs);
  }

  get active(): CacheBackendName {
    return this.backend;
  }

  get memoryEntries(): number {
    return this.memory.size;
  }

  /** Starts watching for Redis (at boot it may not be up yet: the cache serves from memory meanwhile). */
  start(): void {
    if (!this.redis || this.timer) return;
    this.timer = setInterval(() => void this.recover(), this.options.recoveryIntervalMs ?? 250);
    this.timer.unref();
    void this.recover();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  key(key: string): string {
    return `${this.options.prefix}:${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    const full = this.key(key);
    if (this.backend === 'redis' && this.redis) {
      const started = performance.now();
      try {
        const value = await this.deadlines.bound(this.redis.get(full));
        this.hooks.onOperation?.('redis', 'get', value === null ? 'miss' : 'hit', performance.now() - started);
        return value ?? undefined;
      } catch (error) {
        this.failed('get', error, started);
      }
    }
    const value = this.memory.get(full);
    this.hooks.onOperation?.('memory', 'get', value === undefined ? 'miss' : 'hit', 0);
    return value;
  }

  async set(key: string, value: string, ttlMs = this.options.defaultTtlMs): Promise<void> {
    const full = this.key(key);
    if (this.backend === 'redis' && this.redis) {
      const started = performance.now();
      try {
        await this.deadlines.bound(this.redis.set(full, value, ttlMs));
        this.hooks.onOperation?.('redis', 'set', 'ok', performance.now() - started);
        return;
      } catch (error) {
        this.failed('set', error, started);
      }
    }
    this.markDirty(full);
    this.memory.set(full, value, { ttl: Math.min(ttlMs, this.options.fallbackTtlMs) });
    this.hooks.onOperation?.('memory', 'set', 'ok', 0);
  }

  async del(key: string): Promise<void> {
    const full = this.key(key);
    this.memory.delete(full);
    if (this.backend === 'redis' && this.redis) {
      const started = performance.now();
      try {
        await this.deadlines.bound(this.redis.del([full]));
        this.hooks.onOperation?.('redis', 'del', 'ok', performance.now() - started);
        return;
      } catch (error) {
        this.failed('del', error, started);
      }
    }
    // Redis may still hold the old value: it is deleted there before Redis is used again, and
    // the instances that can reach it meanwhile are asked to delete it now.
    this.markDirty(full);
    this.hooks.onOperation?.('memory', 'del', 'ok', 0);
    if (this.redis && this.unpropagated.size > 0)
      await this.deadlines.bound(Promise.all([...this.unpropagated].map((tell) => tell([key])))).catch(() => undefined);
  }

  /**
   * Calls `listener` with the keys (unprefixed) of each delete that could not reach Redis, and
   * waits for it (within the operation bound) before the delete returns: the hook through which
   * other instances are told to delete them.
   */
  onUnpropagatedDelete(listener: (keys: string[]) => Promise<unknown>): () => void {
    this.unpropagated.add(listener);
    return () => this.unpropagated.delete(listener);
  }

  /**
   * Deletes `keys` (unprefixed) here and, when this instance is on Redis, in Redis: another instance's delete, relayed.
   */
  async invalidate(keys: readonly string[]): Promise<void> {
    const full = keys.map((key) => this.key(key));
    for (const key of full) this.memory.delete(key);
    if (this.backend !== 'redis' || !this.redis || full.length === 0) return;
    const started = performance.now();
    try {
      await this.deadlines.bound(this.redis.del(full));
      this.hooks.onOperation?.('redis', 'del', 'ok', performance.now() - started);
    } catch (error) {
      this.failed('del', error, started);
      for (const key of full) this.markDirty(key);
    }
  }

  /**
   * A counter shared by every instance through Redis (fixed window of `ttlMs`): [count, ms left],
   * or undefined while on memory, where a counter would be this instance's alone.
   */
  async increment(key: string, ttlMs: number): Promise<[number, number] | undefined> {
    if (this.backend !== 'redis' || !this.redis) return undefined;
    const started = performance.now();
    try {
      return await this.deadlines.bound(this.redis.incr(this.key(key), ttlMs));
    } catch (error) {
      // Counted with the writes: an increment is one, and it switches the store to memory like them.
      this.failed('set', error, started);
      return undefined;
    }
  }

  async clear(): Promise<void> {
    this.memory.clear();
    if (this.backend === 'redis' && this.redis) {
      try {
        await this.redis.deletePrefix(`${this.options.prefix}:`);
        return;
      } catch (error) {
        this.failed('del', error, performance.now());
      }
    }
    this.dirtyOverflow = true;
  }

  private markDirty(fullKey: string): void {
    if (!this.redis || this.dirtyOverflow) return;
    this.dirty.add(fullKey);
    if (this.dirty.size > this.options.memoryMaxEntries) {
      this.dirty.clear();
      this.dirtyOverflow = true;
    }
  }

  private failed(op: CacheOp, error: unknown, started: number): void {
    const timedOut = error instanceof TimeoutError;
    this.hooks.onOperation?.('redis', op, timedOut ? 'timeout' : 'error', performance.now() - started);
    this.lastError = timedOut
      ? `timeout after ${this.options.opTimeoutMs} ms`
      : secretRedactor.scrub((error as Error).message ?? String(error));
    this.switchTo('memory', `redis ${op} failed: ${this.lastError}`);
  }

  private switchTo(backend: CacheBackendName, reason: string): void {
    if (this.backend === backend) return;
    this.backend = backend;
    this.memory.clear();
    if (backend === 'redis') {
      this.dirty.clear();
      this.dirtyOverflow = false;
    }
    this.logger.warn(`cache now on ${backend}: ${reason}`);
    this.hooks.onSwitch?.(backend, reason);
  }

  /**
   * Back to Redis once it answers and the keys touched meanwhile are deleted there. start() runs
   * it every recoveryIntervalMs while on memory; a test calls it directly.
   */
  async recover(): Promise<void> {
    if (this.backend === 'redis' || this.recovering || !this.redis?.isReady) return;
    this.recovering = true;
    try {
      await this.deadlines.bound(this.redis.ping());
      if (this.dirtyOverflow) await this.redis.deletePrefix(`${this.options.prefix}:`);
      else if (this.dirty.size > 0) await this.deadlines.bound(this.redis.del([...this.dirty]));
      this.switchTo(
        'redis',
        this.dirtyOverflow
          ? 'redis answers; keys under the prefix purged'
          : `redis answers; ${this.dirty.size} key(s) touched meanwhile purged`,
      );
    } catch (error) {
      this.lastError =
        error instanceof TimeoutError ? 'ping timed out' : secretRedactor.scrub((error as Error).message);
    } finally {
      this.recovering = false;
    }
  }
}
