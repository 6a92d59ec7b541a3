interface Gap {
  since: number;
  seen: number;
  /** Not looked into again before this (the broker held the missing event, or could not say). */
  checkAt: number;
}

/**
 * The gaps this process has found, per stream: how long each has been open, from the first time
 * a delivery found its stream waiting for an earlier event (its deadline runs from then). A gap
 * closes when its stream moves on. One that no delivery has mentioned for `staleMs` (filled on
 * another instance, or its events gone to another) is not counted as open, and starts again at
 * its next sighting: a deadline runs later, never sooner. At most `max` streams, the least
 * recently seen forgotten first; in memory, lost at a restart.
 */
export class OpenGaps {
  private readonly gaps = new Map<string, Gap>();

  constructor(
    private readonly staleMs: number,
    private readonly now: () => number,
    private readonly max = 10_000,
  ) {}

  /** A delivery found `stream` waiting: how long its gap has been open, ms (0 the first time). */
  sighted(stream: string): number {
    const now = this.now();
    const gap = this.gaps.get(stream);
    const kept = gap && now - gap.seen <= this.staleMs ? gap : { since: now, checkAt: now };
    this.gaps.delete(stream);
    this.gaps.set(stream, { since: kept.since, seen: now, checkAt: kept.checkAt });
    if (this.gaps.size > this.max) this.gaps.delete(this.gaps.keys().next().value as string);
    return now - kept.since;
  }

  /** Whether `stream`'s gap may be looked into now (it was not put off). */
  due(stream: string): boolean {
    const gap = this.gaps.get(stream);
    return gap !== undefined && this.now() >= gap.checkAt;
  }

  /** `stream`'s gap looked into and still open: not again for `ms`. */
  putOff(stream: string, ms: number): void {
    const gap = this.gaps.get(stream);
    if (gap) gap.checkAt = this.now() + ms;
  }

  /** `stream` moved on: its gap, if it had one, is closed. */
  closed(stream: string): void {
    this.gaps.delete(stream);
  }

  /** The age of the oldest gap still open, in seconds; 0 when there is none. */
  oldestSeconds(): number {
    const now = this.now();
    let oldest = 0;
    for (const { since, seen } of this.gaps.values())
      if (now - seen <= this.staleMs) oldest = Math.max(oldest, now - since);
    return oldest / 1000;
  }
}
