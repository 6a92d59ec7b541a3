import { hash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  type AppliedCommand,
  CommandEventSink,
  type EventDraft,
  type GroupedEvent,
  type GroupedEvents,
  type Statement,
} from '../../database/index.js';

/** Epoch microseconds now: wall-clock ms with the monotonic clock's fraction. */
export type MicrosClock = () => number;
export const microsNow: MicrosClock = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** `2026-12-03T06:17:38.123456Z` from epoch microseconds. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}

/** The same command emits the same ids, however often it is applied or refused: the broker's de-duplication key. */
export function eventId(command: AppliedCommand, index: number, type: string): string {
  return hash('sha256', JSON.stringify([command.type, command.key, command.entityId, index, type])).slice(0, 40);
}

// Postgres: one statement per event. An event whose id is in event_emitted already (the refusal of
// an entry replayed again after a crash) writes nothing; else its stream's counter row is taken
// (and held to the commit), so the events of a stream are numbered in commit order with no gaps.
const PG_RECORD = `WITH fresh AS (INSERT INTO event_emitted (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id),
  counter AS (INSERT INTO event_stream (stream, last_seq) SELECT $2, 1 FROM fresh
    ON CONFLICT (stream) DO UPDATE SET last_seq = event_stream.last_seq + 1 RETURNING last_seq)
INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, traceparent)
  SELECT $1, $2, last_seq, $3, $4, $5, $6, $7 FROM counter`;

// SQLite has no data-modifying CTE: the same steps, in the caller's transaction on one connection.
const SQLITE_FRESH = 'INSERT INTO event_emitted (id) VALUES (?) ON CONFLICT DO NOTHING RETURNING id';
const SQLITE_NEXT = `INSERT INTO event_stream (stream, last_seq) VALUES (?, 1)
  ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`;
const SQLITE_INSERT = `INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, traceparent)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

// An insert's event takes the counter; it needs no event_emitted row: the insert itself is never repeated.
const NEXT_AFTER_INSERT = `ON CONFLICT (stream) DO UPDATE SET last_seq = event_stream.last_seq + 1`;

/**
 * The insert as a CTE, then per event its counter and its row, fed by the insert's RETURNING: an
 * insert that hit a conflict returns no row, so nothing else is written. Data-modifying CTEs all
 * run, once, whatever the final SELECT reads.
 */
// Per event in the fused statement: id, stream, type, command key, occurred at, data, traceparent.
const EVENT_PARAMETERS = 7;

function fusedSql(insertSql: string, base: number, count: number): string {
  const parts = [`ins AS (${insertSql} RETURNING 1)`];
  for (let i = 0; i < count; i++) {
    const p = (k: number) => `$${base + i * EVENT_PARAMETERS + k}`;
    parts.push(
      `c${i} AS (INSERT INTO event_stream (stream, last_seq) SELECT ${p(2)}::varchar, 1 FROM ins
        ${NEXT_AFTER_INSERT} RETURNING last_seq)`,
      `e${i} AS (INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, traceparent)
        SELECT ${p(1)}, ${p(2)}, last_seq, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)} FROM c${i})`,
    );
  }
  return `WITH ${parts.join(',\n')}\nSELECT count(*)::int AS inserted FROM ins`;
}

/**
 * A grouped insert's events (see CommandEventSink.fuseGroup): the rows' events as one JSON array,
 * kept to the rows `done` says were inserted, each numbered by its stream's counter row and
 * written in the rows' order. Streams are distinct within a group, so no counter row is taken twice;
 * they are taken in stream order, so two statements sharing streams cannot deadlock.
 */
const groupCtes = (p: number) => `,
ev AS (SELECT e.* FROM json_to_recordset($${p}::json) AS e(n bigint, id text, stream text, type text,
    command_key text, occurred_at text, data text, traceparent text) JOIN done USING (n)),
counter AS (INSERT INTO event_stream (stream, last_seq) SELECT stream, 1 FROM ev ORDER BY stream
  ${NEXT_AFTER_INSERT} RETURNING stream, last_seq),
outbox AS (INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, traceparent)
  SELECT ev.id, ev.stream, counter.last_seq, ev.type, ev.command_key, ev.occurred_at, ev.data, ev.traceparent
  FROM ev JOIN counter USING (stream) ORDER BY ev.n)`;

// Per insert text (one string per entity, see insertIfAbsent) and event count: the fused text,
// built once; no key is concatenated per order.
const fusedStatements = new Map<string, string[]>();

/** Writes a command's events to the outbox, in the command's own transaction. */
export class OutboxRecorder extends CommandEventSink {
  constructor(private readonly now: MicrosClock = microsNow) {
    super();
  }

  fuse(insert: Statement, command: AppliedCommand, events: readonly EventDraft[]): Statement | undefined {
    // Postgres's insert-if-absent only: SQLite has no data-modifying CTE.
    if (!insert.sql.startsWith('INSERT INTO ') || !insert.sql.endsWith(' ON CONFLICT DO NOTHING')) return undefined;
    let byCount = fusedStatements.get(insert.sql);
    if (byCount === undefined) fusedStatements.set(insert.sql, (byCount = []));
    const sql = (byCount[events.length] ??= fusedSql(insert.sql, insert.parameters.length, events.length));
    const occurredAt = isoMicros(this.now());
    const parameters = [...insert.parameters];
    for (const [index, event] of events.entries())
      parameters.push(
        eventId(command, index, event.type),
        event.stream,
        event.type,
        command.key,
        occurredAt,
        JSON.stringify(event.data),
        command.traceparent ?? null,
      );
    return { sql, parameters };
  }

  override get fusesGroups(): boolean {
    return true;
  }

  override fuseGroup(rows: readonly GroupedEvent[], parameterIndex: number): GroupedEvents {
    const occurredAt = isoMicros(this.now());
    const events = rows.map(({ n, command, event }) => ({
      n,
      id: eventId(command, 0, event.type),
      stream: event.stream,
      type: event.type,
      command_key: command.key,
      occurred_at: occurredAt,
      data: JSON.stringify(event.data),
      // Absent (read as null) with tracing off.
      traceparent: command.traceparent,
    }));
    return { ctes: groupCtes(parameterIndex), parameter: JSON.stringify(events) };
  }

  async record(manager: EntityManager, command: AppliedCommand, events: readonly EventDraft[]): Promise<void> {
    const occurredAt = isoMicros(this.now());
    const sqlite = manager.connection.driver.options.type === 'better-sqlite3';
    for (const [index, event] of events.entries()) {
      const id = eventId(command, index, event.type);
      const data = JSON.stringify(event.data);
      const traceparent = command.traceparent ?? null;
      if (!sqlite) {
        await manager.query(PG_RECORD, [id, event.stream, event.type, command.key, occurredAt, data, traceparent]);
        continue;
      }
      const fresh = (await manager.query(SQLITE_FRESH, [id])) as unknown[];
      if (fresh.length === 0) continue;
      const [{ last_seq: seq }] = (await manager.query(SQLITE_NEXT, [event.stream])) as { last_seq: number }[];
      await manager.query(SQLITE_INSERT, [
        id,
        event.stream,
        seq,
        event.type,
        command.key,
        occurredAt,
        data,
        traceparent,
      ]);
    }
  }
}
