import { IntervalLog } from '../logging/interval-log.js';

/** Where the refusal lines go: a Nest Logger fits. */
export interface RefusalLogger {
  warn(message: string): void;
}

export interface Refusal {
  method: string;
  /** The route's template (`/positions/:id`), never the raw URL: bounded, and no caller's text as a key. */
  route: string;
  status: number;
  code: string;
  message: string;
  requestId: string;
}

export const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * Expected refusals (a 503 or 504 of ours: Postgres down, the journal full, a breaker open) are
 * logged once per interval per (method, route, code): the first of an interval at once, without a
 * stack, and the next line says how many came in between. An outage of 17.6k refused requests is a
 * few lines, not 15 MB. Unexpected 500s are not for this class: each keeps its line and stack.
 */
export class RefusalLog {
  private readonly lines: IntervalLog;

  constructor(
    logger: RefusalLogger,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
    now: () => number = Date.now,
  ) {
    this.lines = new IntervalLog((line) => logger.warn(line), intervalMs, now);
  }

  record(refusal: Refusal): void {
    const key = `${refusal.method} ${refusal.route} ${refusal.code}`;
    this.lines.note(
      key,
      `${key} refused with ${refusal.status}: ${refusal.message} [requestId=${refusal.requestId}]` +
        ` (one line per ${Math.round(this.intervalMs / 1000)} s for this route and code)`,
    );
  }
}
