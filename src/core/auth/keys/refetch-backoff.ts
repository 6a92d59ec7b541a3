export type Clock = () => number;

/** How a fetch ended, for the backoff: `useful` brought keys not seen before. */
export type FetchOutcome = 'useful' | 'wasted';

// 2 ** 30 steps already exceed any cap: the count stops there instead of growing forever.
const MAX_STEPS = 30;

/**
 * When the next JWKS fetch may start, whatever the traffic. The first fetch after a useful one
 * may start at once (a rotation is picked up without waiting for a cooldown); each fetch that
 * fails, or that brings nothing new, doubles the wait from `minMs` up to `maxMs`, counted from
 * the moment it ended. A flood of unknown kids therefore makes one fetch per wait, not one per
 * request.
 */
export class RefetchBackoff {
  private wasted = 0;
  private lastEndedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  /** Milliseconds before a fetch may start; 0 when it may start now. */
  get waitMs(): number {
    return Math.max(0, this.lastEndedAt + this.intervalMs() - this.now());
  }

  settled(outcome: FetchOutcome): void {
    this.lastEndedAt = this.now();
    this.wasted = outcome === 'useful' ? 0 : Math.min(this.wasted + 1, MAX_STEPS);
  }

  private intervalMs(): number {
    if (this.wasted === 0) return 0;
    return Math.min(this.minMs * 2 ** (this.wasted - 1), Math.max(this.maxMs, this.minMs));
  }
}
