export interface WindowSnapshot {
  total: number;
  failures: number;
  slow: number;
}

export interface SlidingWindow {
  record(nowMs: number, failed: boolean, slow: boolean): void;
  snapshot(nowMs: number): WindowSnapshot;
  reset(): void;
}

const FAILED = 1;
const SLOW = 2;

/** The last `size` calls, in a ring: O(1) per call, no allocation. */
export class CountWindow implements SlidingWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private total = 0;
  private failures = 0;
  private slow = 0;

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

  snapshot(): WindowSnapshot {
    return { total: this.total, failures: this.failures, slow: this.slow };
  }

  reset(): void {
    this.ring.fill(0);
    this.next = this.total = this.failures = this.slow = 0;
  }
}

/** The calls of the last `seconds` seconds, in one bucket per second: O(1) amortized per call. */
export class TimeWindow implements SlidingWindow {
  private readonly totals: Uint32Array;
  private readonly failures: Uint32Array;
  private readonly slows: Uint32Array;
  private currentSecond = -1;
  private total = 0;
  private failed = 0;
  private slow = 0;

  constructor(private readonly seconds: number) {
    this.totals = new Uint32Array(seconds);
    this.failures = new Uint32Array(seconds);
    this.slows = new Uint32Array(seconds);
  }

  record(nowMs: number, failed: boolean, slow: boolean): void {
    const slot = this.advance(nowMs);
    this.totals[slot] += 1;
    this.total += 1;
    if (failed) {
      this.failures[slot] += 1;
      this.failed += 1;
    }
    if (slow) {
      this.slows[slot] += 1;
      this.slow += 1;
    }
  }

  snapshot(nowMs: number): WindowSnapshot {
    this.advance(nowMs);
    return { total: this.total, failures: this.failed, slow: this.slow };
  }

  reset(): void {
    this.totals.fill(0);
    this.failures.fill(0);
    this.slows.fill(0);
    this.total = this.failed = this.slow = 0;
    this.currentSecond = -1;
  }

  /** Empties the buckets of the seconds that have passed since the last call; returns the current slot. */
  private advance(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    if (this.currentSecond < 0) this.currentSecond = second;
    const steps = Math.min(second - this.currentSecond, this.seconds);
    for (let i = 1; i <= steps; i++) this.clear((this.currentSecond + i) % this.seconds);
    if (second > this.currentSecond) this.currentSecond = second;
    return this.currentSecond % this.seconds;
  }

  private clear(slot: number): void {
    this.total -= this.totals[slot];
    this.failed -= this.failures[slot];
    this.slow -= this.slows[slot];
    this.totals[slot] = this.failures[slot] = this.slows[slot] = 0;
  }
}
