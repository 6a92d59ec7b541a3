import { TimeWindow } from '../circuit-breaker/index.js';

export interface FailoverWindowSettings {
  /** Length of the sliding window, and how long its failure rate must stay over the threshold. */
  windowMs: number;
  /** Share of the window's operations that failed or timed out, in percent, that counts as failing. */
  failureRatePercent: number;
  /** Fewer operations than this in the window say nothing, whatever their outcome. */
  minCalls: number;
}

export const DEFAULT_FAILOVER_WINDOW: FailoverWindowSettings = { windowMs: 1000, failureRatePercent: 50, minCalls: 10 };

// Ten buckets per window, as the breaker's time window has one per second of its length.
const BUCKETS = 10;

/**
 * When the cache may give up on a Redis that is still connected: only on sustained evidence. It
 * keeps the outcome of every Redis operation over the last `windowMs` (the breaker's time window,
 * in `windowMs / 10` buckets) and says "switch" once the window has been *failing* (at least
 * `minCalls` operations, at least `failureRatePercent` of them failed or timed out) without a
 * break for a whole `windowMs`. So one slow operation, or a burst of timeouts while the cores are
 * saturated, never switches; a frozen Redis switches between one and two windows after it froze
 * (one when the cache was idle before, up to two when earlier successes had to slide out first).
 *
 * A closed connection is not judged here: the store switches at once on it (see FailoverStore).
 * A plain state machine: every call carries its time, so a test drives the clock.
 */
export class FailoverWindow {
  private readonly window: TimeWindow;
  // When the window started failing without a break since; -1 while it is not failing.
  private failingFrom = -1;

  constructor(readonly settings: FailoverWindowSettings = DEFAULT_FAILOVER_WINDOW) {
    this.window = new TimeWindow(BUCKETS, Math.max(1, settings.windowMs / BUCKETS));
  }

  /** An operation Redis answered. */
  success(nowMs: number): void {
    this.window.record(nowMs, false, false);
    // Only a window already failing needs a look: a success can end that, never start it.
    if (this.failingFrom >= 0 && !this.failingAt(nowMs)) this.failingFrom = -1;
  }

  /** An operation that failed or timed out; true when the evidence is now enough to switch. */
  failure(nowMs: number): boolean {
    this.window.record(nowMs, true, false);
    if (!this.failingAt(nowMs)) {
      this.failingFrom = -1;
      return false;
    }
    if (this.failingFrom < 0) this.failingFrom = nowMs;
    return nowMs - this.failingFrom >= this.settings.windowMs;
  }

  /** Forgets everything: after a switch either way. */
  reset(): void {
    this.window.reset();
    this.failingFrom = -1;
  }

  /** The window as it stands, for health and logs. */
  describe(nowMs: number): { calls: number; failures: number; failingForMs: number } {
    const { total, failures } = this.window.snapshot(nowMs);
    const failing = this.failingFrom >= 0 && this.failingAt(nowMs);
    return { calls: total, failures, failingForMs: failing ? nowMs - this.failingFrom : 0 };
  }

  private failingAt(nowMs: number): boolean {
    const { total, failures } = this.window.snapshot(nowMs);
    return total >= this.settings.minCalls && failures * 100 >= this.settings.failureRatePercent * total;
  }
}
