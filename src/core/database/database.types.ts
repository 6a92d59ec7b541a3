import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { QueryResultRow } from 'pg';

export type { SqliteDatabase };

/** What a command handler or a read may run on Postgres. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * A write the database can journal and replay: plain data, an idempotency key, a type whose
 * handler knows how to apply it. The key must be unique per logical write (an order's clientOrderId).
 */
export interface WriteCommand<P = unknown> {
  type: string;
  key: string;
  /** The id of the entity the command creates or changes, so the journal can answer reads for it. */
  entityId: string;
  payload: P;
}

/**
 * How one command type is applied. `postgres` must be idempotent on the command key (a unique
 * constraint and ON CONFLICT): a journaled command may be applied again after a crash.
 * Throw JournalRejection (or let a constraint violation through) for a command Postgres must refuse.
 */
export interface CommandHandler<P = unknown, R = unknown> {
  type: string;
  postgres(db: Queryable, payload: P): Promise<R>;
  /** The same write on SQLite, when SQLite is the database (no DB_PRIMARY_URL). */
  embedded(db: SqliteDatabase, payload: P): R;
  /** The answer for a command accepted into the journal, not yet in Postgres. */
  journaled(payload: P): R;
}

export interface WriteResult<R> {
  result: R;
  /** True when the command went to the journal (Postgres had no writer): it will be replayed. */
  journaled: boolean;
}

/** A journaled command, as the journal holds it. */
export interface JournalEntry<P = unknown> {
  seq: number;
  type: string;
  key: string;
  entityId: string;
  payload: P;
  acceptedAt: string;
}

export interface ReadSpec<R> {
  postgres(db: Queryable): Promise<R | undefined>;
  embedded(db: SqliteDatabase): R | undefined;
  /** Answers from what only the journal knows, while Postgres has no writer. */
  journal?(entries: JournalLookup): R | undefined;
  /**
   * `single`: a miss on a replica is confirmed on the writer, and a miss that no writer can
   * confirm is unknown (503), never a false 404. `list`: any target's answer is an answer.
   */
  kind: 'single' | 'list';
  /** `strong` reads go to the writer only. */
  consistency?: 'eventual' | 'strong';
}

export interface JournalLookup {
  byEntity(type: string, entityId: string): JournalEntry | undefined;
}

export type DatabaseMode = 'embedded' | 'normal' | 'replica-read-only' | 'fallback' | 'replaying';

export interface Migration {
  /** Ordered by id: use a sortable prefix, e.g. `0001-orders`. */
  id: string;
  postgres?: string;
  sqlite?: string;
}
