import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { secretRedactor, TimeoutError } from '../common/index.js';
import { DEFAULT_FAILOVER_WINDOW, FailoverWindow, type FailoverWindowSettings } from './failover-window.js';
import type { RedisBackend } from './redis-backend.js';
import { type Expiring, SharedDeadlines } from './shared-deadlines.js';

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
  /** When failed operations on a connected Redis switch the cache to memory (see FailoverWindow). */
  failover?: FailoverWindowSettings;
  /**
   * What the memory tier's TTLs, the operations' durations and the failover window are measured
   * with (a test injects its own).
   */
  clock?: { now(): number };
}
export interface FailoverStoreHooks {
  onOperation?(backend: CacheBackendName, op: CacheOp, result: OpResult, durationMs: number): void;
  onSwitch?(to: CacheBackendName, reason: string): void;
}

/** What a Redis operation that failed, timed out or was skipped answers its caller (never a rejection). */
const FAILED: unique symbol = Symbol('failed');
type Failed = typeof FAILED;

/** How a RedisCall reports back to its store: one object per store, so a call allocates no closure for it. */
interface CallSite {
  readonly deadlines: SharedDeadlines;
  answered(op: CacheOp, started: number, miss: boolean): void;
  failed(op: CacheOp, started: number, error: unknown): void;
}

// new Promise(capture) hands its resolver over without allocating an executor per call.
let captured: ((value: never) => void) | undefined;
const capture = (resolve: (value: never) => void): void => {
  captured = resolve;
};

/**
 * One Redis command, answered by Redis or by its deadline, whichever comes first: the caller's
 * single promise, which never rejects (a failure or a timeout answers `fallback`). A late answer
 * after the deadline is ignored: that operation was already counted as a timeout.
 *
 * Its deadline slot holds it until the slot's timer fires (up to the bound, so past a scavenge or
 * two at high rates): once settled it lets go of its resolver, and with it of the promise and the
 * value, so what lingers there is this small shell, not the answer.
 */
class RedisCall<T, F> implements Expiring {
  private resolve: ((value: T | F) => void) | undefined;

  /** Sends nothing itself: `command` is already on its way; answers the caller's promise. */
  static start<T, F>(site: CallSite, op: CacheOp, started: number, fallback: F, command: Promise<T>): Promise<T | F> {
    const promise = new Promise<T | F>(capture);
    new RedisCall<T, F>(site, op, started, fallback, captured as (value: T | F) => void, command);
    return promise;
  }

  private constructor(
    private readonly site: CallSite,
    private readonly op: CacheOp,
    private readonly started: number,
    private readonly fallback: F,
    resolve: (value: T | F) => void,
    command: Promise<T>,
  ) {
    this.resolve = resolve;
    command.then(
      (value) => this.answer(value),
      (error: unknown) => this.fail(error),
    );
    site.deadlines.add(this);
  }

  expire(): void {
    this.fail(this.site.deadlines.error);
  }

  private answer(value: T): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    const miss = value === null;
    this.site.answered(this.op, this.started, miss);
    // Redis's "no such key" as undefined, what the store's callers expect.
    resolve(miss ? (undefined as T) : value);
  }

  private fail(error: unknown): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    this.site.failed(this.op, this.started, error);
    resolve(this.fallback);
  }
}

/** The command's promise, or its synchronous throw as a rejection. */
function issue<T>(command: () => Promise<T>): Promise<T> {
  try {
    return command();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Redis when it answers, a bounded in-memory LRU when it does not; no operation waits longer
 * than `opTimeoutMs`. The memory tier starts empty at each switch, and its entries live at most
 * `fallbackTtlMs`, since no other instance can invalidate them. Keys written or deleted while
 * on memory are remembered and deleted from Redis before switching back (all keys under the
 * prefix if there were too many to remember), so nothing cached before an outage is served stale after it.
 *
 * When to switch: at once when an operation fails and the client has lost its connection (refused,
 * closed socket: Redis is down, there is nothing to wait for); otherwise only once the failover
 * window (FailoverWindow) has been failing for a whole window. Until then a failed or timed-out
 * operation answers its own fallback (a miss for a read, nothing cached for a write) and the
 * cache stays on Redis. A delete that did not reach Redis is remembered: that key is read as a
 * miss, and deleted again in the background, until Redis confirms it is gone.
 */
export class FailoverStore {
  private backend: CacheBackendName = 'memory';
  private readonly memory: LRUCache<string, string>;
  private readonly deadlines: SharedDeadlines;
  private readonly window: FailoverWindow;
  private readonly clock: { now(): number };
  private readonly prefix: string;
  private readonly timeoutMessage: string;
  // Keys Redis may hold an older value of: touched while on memory, or deleted while Redis did not answer.
  private readonly dirty = new Set<string>();
  private dirtyOverflow = false;
  // Counts markDirty calls: a purge or a write confirms a key only if none came since it was sent.
  private dirtyMarks = 0;
  private timer?: NodeJS.Timeout;
  private recovering = false;
  private readonly unpropagated = new Set<(keys: string[]) => Promise<unknown>>();
  lastError?: string;
  private readonly logger = new Logger('Cache');
  private readonly site: CallSite;

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
    this.clock = options.clock ?? performance;
    this.prefix = `${options.prefix}:`;
    this.timeoutMessage = `timeout after ${options.opTimeoutMs} ms`;
    this.deadlines = new SharedDeadlines(options.opTimeoutMs);
    this.window = new FailoverWindow(options.failover ?? DEFAULT_FAILOVER_WINDOW);
    this.site = {
      deadlines: this.deadlines,
      answered: (op, started, miss) => this.answered(op, started, miss),
      failed: (op, started, error) => this.failed(op, started, error),
    };
  }

  get active(): CacheBackendName {
    return this.backend;
  }

  get memoryEntries(): number {
    return this.memory.size;
  }

  /** The failover window as it stands (operations, failures, how long it has been failing). */
  failoverWindow(): { calls: number; failures: number; failingForMs: number } {
    return this.window.describe(this.clock.now());
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
    return this.prefix + key;
  }

  /**
   * The hot path: no async function; a Redis read is one RedisCall (one promise, one `.then` on
   * node-redis's), a memory read a Promise.resolve with no deadline and no handler.
   */
  get(key: string): Promise<string | undefined> {
    const full = this.prefix + key;
    const redis = this.redis;
    if (this.backend === 'redis' && redis !== undefined) {
      if (!this.dirtyOverflow && (this.dirty.size === 0 || !this.dirty.has(full))) {
        let command: Promise<string | null>;
        try {
          command = redis.get(full);
        } catch (error) {
          command = Promise.reject(error);
        }
        // Redis's null arrives as undefined (RedisCall maps it), a failure as the fallback.
        return RedisCall.start(this.site, 'get', this.clock.now(), undefined, command) as Promise<string | undefined>;
      }
      // Redis may still hold an older value of this key: a miss until the delete is confirmed.
      this.hooks.onOperation?.('memory', 'get', 'miss', 0);
      return Promise.resolve(undefined);
    }
    const value = this.memory.get(full);
    this.hooks.onOperation?.('memory', 'get', value === undefined ? 'miss' : 'hit', 0);
    return Promise.resolve(value);
  }

  async set(key: string, value: string, ttlMs = this.options.defaultTtlMs): Promise<void> {
    const full = this.prefix + key;
    const redis = this.redis;
    if (this.backend === 'redis' && redis !== undefined) {
      const marks = this.dirtyMarks;
      const result = await this.call('set', () => redis.set(full, value, ttlMs));
      if (result !== FAILED) {
        // Written after every delete of it that failed: Redis holds the newest value now.
        if (this.dirty.size > 0 && marks === this.dirtyMarks) this.dirty.delete(full);
        return;
      }
      // Not switched: that value is simply not cached.
      if (this.backend === 'redis') return;
    }
    this.markDirty(full);
    this.memory.set(full, value, { ttl: Math.min(ttlMs, this.options.fallbackTtlMs) });
    this.hooks.onOperation?.('memory', 'set', 'ok', 0);
  }

  async del(key: string): Promise<void> {
    const full = this.prefix + key;
    this.memory.delete(full);
    const redis = this.redis;
    if (this.backend === 'redis' && redis !== undefined) {
      if ((await this.call('del', () => redis.del([full]))) !== FAILED) return;
    }
    // Redis may still hold the old value: it is deleted there before Redis is read again for it,
    // and the instances that can reach it meanwhile are asked to delete it now.
    this.markDirty(full);
    if (this.backend === 'memory') this.hooks.onOperation?.('memory', 'del', 'ok', 0);
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
    const full = keys.map((key) => this.prefix + key);
    for (const key of full) this.memory.delete(key);
    const redis = this.redis;
    if (this.backend !== 'redis' || redis === undefined || full.length === 0) return;
    if ((await this.call('del', () => redis.del(full))) === FAILED) for (const key of full) this.markDirty(key);
  }

  /**
   * A counter shared by every instance through Redis (fixed window of `ttlMs`): [count, ms left],
   * or undefined while on memory, or when Redis did not answer, where a counter would be this instance's alone.
   */
  async increment(key: string, ttlMs: number): Promise<[number, number] | undefined> {
    const redis = this.redis;
    if (this.backend !== 'redis' || redis === undefined) return undefined;
    // Counted with the writes: an increment is one, and it weighs in the failover window like them.
    const result = await this.call('set', () => redis.incr(this.prefix + key, ttlMs));
    return result === FAILED ? undefined : result;
  }

  async clear(): Promise<void> {
    this.memory.clear();
    const redis = this.redis;
    if (this.backend === 'redis' && redis !== undefined) {
      const started = this.clock.now();
      try {
        await redis.deletePrefix(this.prefix);
        return;
      } catch (error) {
        this.failed('del', started, error);
      }
    }
    // Every key may be stale in Redis now: read as misses there, and purged, until that succeeds.
    this.dirtyOverflow = true;
    this.dirtyMarks += 1;
  }

  /**
   * A PING within the operation bound, for health: its latency in ms, or undefined when Redis did
   * not answer in time. Not counted in the failover window: health only looks.
   */
  async ping(): Promise<number | undefined> {
    if (!this.redis) return undefined;
    const started = performance.now();
    try {
      await this.deadlines.bound(this.redis.ping());
      return performance.now() - started;
    } catch {
      return undefined;
    }
  }

  /** A cold-path operation through RedisCall: its answer, or FAILED. */
  private call<T>(op: CacheOp, command: () => Promise<T>): Promise<T | Failed> {
    return RedisCall.start<T, Failed>(this.site, op, this.clock.now(), FAILED, issue(command));
  }

  private answered(op: CacheOp, started: number, miss: boolean): void {
    const now = this.clock.now();
    this.hooks.onOperation?.('redis', op, op === 'get' ? (miss ? 'miss' : 'hit') : 'ok', now - started);
    // An answer that lands after a switch says nothing of the window that follows it.
    if (this.backend === 'redis') this.window.success(now);
  }

  private failed(op: CacheOp, started: number, error: unknown): void {
    const now = this.clock.now();
    const timedOut = error instanceof TimeoutError;
    this.hooks.onOperation?.('redis', op, timedOut ? 'timeout' : 'error', now - started);
    this.lastError = timedOut ? this.timeoutMessage : secretRedactor.scrub((error as Error)?.message ?? String(error));
    if (this.backend !== 'redis') return;
    if (this.redis !== undefined && !this.redis.isReady) {
      // Refused, reset, closed: the client knows Redis is gone. Nothing to wait for.
      this.switchTo('memory', `redis ${op} failed with the connection down: ${this.lastError}`);
    } else if (this.window.failure(now)) {
      const { calls, failures } = this.window.describe(now);
      this.switchTo(
        'memory',
        `redis failing for ${this.window.settings.windowMs} ms (${failures} of ${calls} operations in the window failed or timed out; last: ${this.lastError})`,
      );
    }
  }

  private markDirty(fullKey: string): void {
    if (!this.redis || this.dirtyOverflow) return;
    this.dirtyMarks += 1;
    this.dirty.add(fullKey);
    if (this.dirty.size > this.options.memoryMaxEntries) {
      this.dirty.clear();
      this.dirtyOverflow = true;
    }
  }

  private switchTo(backend: CacheBackendName, reason: string): void {
    if (this.backend === backend) return;
    this.backend = backend;
    this.memory.clear();
    this.window.reset();
    if (backend === 'redis') {
      this.dirty.clear();
      this.dirtyOverflow = false;
    }
    this.logger.warn(`cache now on ${backend}: ${reason}`);
    this.hooks.onSwitch?.(backend, reason);
  }

  /**
   * start() runs it every recoveryIntervalMs; a test calls it directly. On memory: back to Redis
   * once it answers and the keys touched meanwhile are deleted there. On Redis: deletes again the
   * keys whose delete did not reach it, until Redis confirms them gone.
   */
  async recover(): Promise<void> {
    const redis = this.redis;
    if (this.recovering || !redis?.isReady) return;
    if (this.backend === 'redis' && !this.dirtyOverflow && this.dirty.size === 0) return;
    this.recovering = true;
    try {
      const marks = this.dirtyMarks;
      const overflow = this.dirtyOverflow;
      const touched = this.dirty.size;
      if (this.backend === 'memory') await this.deadlines.bound(redis.ping());
      if (overflow) await redis.deletePrefix(this.prefix);
      else if (touched > 0) await this.deadlines.bound(redis.del([...this.dirty]));
      // A key touched while that ran may not be purged yet: try again at the next round.
      if (marks !== this.dirtyMarks) return;
      if (this.backend === 'redis') {
        this.dirty.clear();
        this.dirtyOverflow = false;
        return;
      }
      this.switchTo(
        'redis',
        overflow
          ? 'redis answers; keys under the prefix purged'
          : `redis answers; ${touched} key(s) touched meanwhile purged`,
      );
    } catch (error) {
      this.lastError =
        error instanceof TimeoutError ? 'ping timed out' : secretRedactor.scrub((error as Error).message);
    } finally {
      this.recovering = false;
    }
  }
}
