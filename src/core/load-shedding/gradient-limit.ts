/** Milliseconds from an arbitrary origin; `performance.now()` in production, a variable in tests. */
export interface LimitClock {
  now(): number;
}

export interface GradientLimitOptions {
  minLimit: number;
  maxLimit: number;
  initialLimit: number;
  /** A window closes after this long, once it holds `minSamples`; its average RTT is one sample. */
  windowMs?: number;
  minSamples?: number;
  /** How much slower than the long-term RTT the recent RTT may get before the limit shrinks. */
  tolerance?: number;
  /** Weight of a new estimate against the current limit, 0-1. */
  smoothing?: number;
  /** Windows the long-term RTT averages over (an exponential moving average). */
  longWindows?: number;
}

/**
 * An adaptive concurrency limit in the style of Netflix concurrency-limits' Gradient2: the limit
 * grows by a queue allowance (sqrt of the limit) while recent latency stays within `tolerance`
 * of the long-term latency, and shrinks by their ratio (at most halving per window) when it does
 * not. Samples are aggregated per window, so a request costs a few additions and no allocation.
 * A plain class: the clock is injected, tests drive time.
 */
export class GradientLimit {
  private estimated: number;
  private current: number;
  private inFlight = 0;
  private longRtt = 0;
  private windowStart: number;
  private windowSum = 0;
  private windowCount = 0;
  private windowMaxInFlight = 0;
  private readonly windowMs: number;
  private readonly minSamples: number;
  private readonly tolerance: number;
  private readonly smoothing: number;
  private readonly longFactor: number;

  constructor(
    private readonly options: GradientLimitOptions,
    private readonly clock: LimitClock,
  ) {
    if (options.minLimit < 1 || options.maxLimit < options.minLimit)
      throw new Error(`bad limits: min ${options.minLimit}, max ${options.maxLimit}`);
    this.estimated = Math.min(options.maxLimit, Math.max(options.minLimit, options.initialLimit));
    this.current = Math.floor(this.estimated);
    this.windowMs = options.windowMs ?? 250;
    this.minSamples = options.minSamples ?? 10;
    this.tolerance = options.tolerance ?? 1.5;
    this.smoothing = options.smoothing ?? 0.2;
    this.longFactor = 2 / ((options.longWindows ?? 100) + 1);
    this.windowStart = clock.now();
  }

  /** The current limit: requests admitted beyond it are refused. */
  get limit(): number {
    return this.current;
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  /** Takes a slot and answers true, or answers false (shed) when the limit is reached. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.current) return false;
    this.inFlight += 1;
    if (this.inFlight > this.windowMaxInFlight) this.windowMaxInFlight = this.inFlight;
    return true;
  }

  /**
   * Gives a slot back. `startedAt` (from the same clock) is the request's start; `sample` false
   * for a request that says nothing about our latency (the client went away).
   */
  release(startedAt: number, sample = true): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.clock.now();
    if (sample) {
      this.windowSum += now - startedAt;
      this.windowCount += 1;
    }
    if (now - this.windowStart >= this.windowMs && this.windowCount >= this.minSamples) this.closeWindow(now);
  }

  private closeWindow(now: number): void {
    const shortRtt = Math.max(this.windowSum / this.windowCount, 1e-3);
    const maxInFlight = this.windowMaxInFlight;
    this.windowStart = now;
    this.windowSum = 0;
    this.windowCount = 0;
    this.windowMaxInFlight = this.inFlight;
    this.longRtt = this.longRtt === 0 ? shortRtt : this.longRtt + (shortRtt - this.longRtt) * this.longFactor;
    // After a long slow spell the long-term RTT would hold the limit down: let it recover.
    if (this.longRtt / shortRtt > 2) this.longRtt *= 0.95;
    // Demand well under the limit says nothing about what the service could take.
    if (maxInFlight < this.estimated / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * this.longRtt) / shortRtt));
    const proposed = this.estimated * gradient + Math.sqrt(this.estimated);
    const smoothed = this.estimated * (1 - this.smoothing) + proposed * this.smoothing;
    this.estimated = Math.min(this.options.maxLimit, Math.max(this.options.minLimit, smoothed));
    this.current = Math.floor(this.estimated);
  }
}
