interface Gap {
  since: number;
  seen: number;
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
    const since = gap && now - gap.seen <= this.staleMs ? gap.since : now;
    this.gaps.delete(stream);
    this.gaps.set(stream, { since, seen: now });
    if (this.gaps.size > this.max) this.gaps.delete(this.gaps.keys().next().value as string);
    return now - since;
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
