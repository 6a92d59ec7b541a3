const DEFAULT_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30_000;

/**
 * A provider's own refusal (429) is back-pressure, not a failure: it says "slower", not "down".
 * The gate pauses calls for the `Retry-After` the provider gave (1 s without one, at most 30 s)
 * and then lets them through again; the breaker, which would stop every caller's calls until it
 * half-opens, never counts it. A plain class with an injected clock.
 */
export class BackpressureGate {
  private pausedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The provider refused: no call before `retryAfterMs` from now. */
  refused(retryAfterMs: number | undefined): void {
    const pause = Math.min(MAX_PAUSE_MS, Math.max(0, retryAfterMs ?? DEFAULT_PAUSE_MS));
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + pause);
  }

  /** Milliseconds until a call may be made; 0 when it may now. */
  waitMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }
}
