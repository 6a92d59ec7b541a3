/**
 * Lines of a kind that can repeat at request rate (an expected refusal, a failed journal append)
 * written once per interval per key: the first of an interval at once, and the next line says how
 * many came in between. An outage is a few lines, not one per request.
 */
export class IntervalLog {
  private readonly windows = new Map<string, { startedAt: number; unlogged: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `line` unless `key` was written less than an interval ago; then only counts it. */
  note(key: string, line: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.startedAt < this.intervalMs) {
      window.unlogged += 1;
      return;
    }
    const since = window?.unlogged ? `; ${window.unlogged} more since the last line` : '';
    this.write(`${line}${since}`);
    this.windows.set(key, { startedAt: now, unlogged: 0 });
  }
}
