export interface WindowSnapshot {
  total: number;
  failures: number;
  slow: number;
}

/** snapshot() returns the window itself, read-only: no allocation on the call path. */
export interface SlidingWindow {
  record(nowMs: number, failed: boolean, slow: boolean): void;
  snapshot(nowMs: number): Readonly<WindowSnapshot>;
  reset(): void;
}

const FAILED = 1;
const SLOW = 2;

/** The last `size` calls, in a ring: O(1) per call, no allocation. */
export class CountWindow implements SlidingWindow, WindowSnapshot {
  private readonly ring: Uint8Array;
  private next = 0;
  total = 0;
  failures = 0;
  slow = 0;

  constructor(private readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  record(_nowMs: number, failed: boolean, slow: boolean): void {
    if (this.total === this.size) {
      const evicted = this.ring[this.next];
      this.failures -= evicted & FAILED;
      this.slow -= (evicted & SLOW) >> 1;
    } else {
      this.total += 1;
    }
    const entry = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    this.ring[this.next] = entry;
    this.failures += entry & FAILED;
    this.slow += (entry & SLOW) >> 1;
    this.next = (this.next + 1) % this.size;
  }

  snapshot(): Readonly<WindowSnapshot> {
    return this;
  }

  reset(): void {
    this.ring.fill(0);
    this.next = this.total = this.failures = this.slow = 0;
  }
}

/**
 * The calls of the last `buckets` buckets of `bucketMs` each (one second by default: the last
 * `buckets` seconds): O(1) amortized per call, no allocation. The window covers between
 * `buckets - 1` and `buckets` bucket widths, as the current bucket fills.
 */
export class TimeWindow implements SlidingWindow, WindowSnapshot {
  private readonly totals: Uint32Array;
  private readonly failed: Uint32Array;
  private readonly slows: Uint32Array;
  private currentBucket = -1;
  total = 0;
  failures = 0;
  slow = 0;

  constructor(
    private readonly buckets: number,
    private readonly bucketMs = 1000,
  ) {
    this.totals = new Uint32Array(buckets);
    this.failed = new Uint32Array(buckets);
    this.slows = new Uint32Array(buckets);
  }

  record(nowMs: number, failed: boolean, slow: boolean): void {
    const slot = this.advance(nowMs);
    this.totals[slot] += 1;
    this.total += 1;
    if (failed) {
      this.failed[slot] += 1;
      this.failures += 1;
    }
    if (slow) {
      this.slows[slot] += 1;
      this.slow += 1;
    }
  }

  snapshot(nowMs: number): Readonly<WindowSnapshot> {
    this.advance(nowMs);
    return this;
  }

  reset(): void {
    this.totals.fill(0);
    this.failed.fill(0);
    this.slows.fill(0);
    this.total = this.failures = this.slow = 0;
    this.currentBucket = -1;
  }

  /** Empties the buckets that have passed since the last call; returns the current slot. */
  private advance(nowMs: number): number {
    const bucket = Math.floor(nowMs / this.bucketMs);
    if (this.currentBucket < 0) this.currentBucket = bucket;
    const steps = Math.min(bucket - this.currentBucket, this.buckets);
    for (let i = 1; i <= steps; i++) this.clear((this.currentBucket + i) % this.buckets);
    if (bucket > this.currentBucket) this.currentBucket = bucket;
    return this.currentBucket % this.buckets;
  }

  private clear(slot: number): void {
    this.total -= this.totals[slot];
    this.failures -= this.failed[slot];
    this.slow -= this.slows[slot];
    this.totals[slot] = this.failed[slot] = this.slows[slot] = 0;
  }
}
