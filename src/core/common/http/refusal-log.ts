/** Where the refusal lines go: a Nest Logger fits. */
export interface RefusalLogger {
  warn(message: string): void;
}

export interface Refusal {
  method: string;
  /** The route's template (`/orders/:id`), never the raw URL: bounded, and no caller's text as a key. */
  route: string;
  status: number;
  code: string;
  message: string;
  requestId: string;
}

export const REFUSAL_LOG_INTERVAL_MS = 10_000;

interface Window {
  startedAt: number;
  unlogged: number;
}

/**
 * Expected refusals (a 503 or 504 of ours: Postgres down, the journal full, a breaker open) are
 * logged once per interval per (method, route, code): the first of an interval at once, without a
 * stack, and the next line says how many came in between. An outage of 17.6k refused orders is a
 * few lines, not 15 MB. Unexpected 500s are not for this class: each keeps its line and stack.
 */
export class RefusalLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: RefusalLogger,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  record(refusal: Refusal): void {
    const key = `${refusal.method} ${refusal.route} ${refusal.code}`;
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.startedAt < this.intervalMs) {
      window.unlogged += 1;
      return;
    }
    const since = window?.unlogged ? `; ${window.unlogged} more since the last line` : '';
    this.logger.warn(
      `${key} refused with ${refusal.status}: ${refusal.message} [requestId=${refusal.requestId}]${since}` +
        ` (one line per ${Math.round(this.intervalMs / 1000)} s for this route and code)`,
    );
    this.windows.set(key, { startedAt: now, unlogged: 0 });
  }
}
