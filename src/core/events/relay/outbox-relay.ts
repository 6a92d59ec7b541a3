import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { secretRedactor } from '../../common/index.js';
import type { DatabaseService } from '../../database/index.js';
import type { EventBroker, BrokerMessage, PublishResult } from '../broker/event-broker.js';
import type { EventsConfig } from '../events.config.js';
import { type EventEnvelope, subjectFor } from '../event-envelope.js';
import type { EventsMetrics } from '../events.metrics.js';
import { relayRoundSpan } from '../events.spans.js';

export interface OutboxRow {
  position: string;
  id: string;
  stream: string;
  seq: number;
  type: string;
  command_key: string;
  occurred_at: string;
  data: string;
  traceparent: string | null;
}

// One relay at a time across the fleet: a transaction-scoped advisory lock on the writer, so it
// follows the writer through a failover and is let go when its holder dies.
//
// The outbox is a queue: every relayed row leaves a dead tuple until autovacuum comes (a minute
// apart by default), and the planner, going by stale statistics, reads the waiting rows by a
// sequential scan of every page, dead ones included: milliseconds a round under load, and more as
// the table swells. The same statement turns sequential scans off for the round's transaction
// (set_config(..., true) is SET LOCAL), so the read walks the primary key from its head.
const PG_LOCK = `SELECT pg_try_advisory_xact_lock(20631203, 1) AS locked, set_config('enable_seqscan', 'off', true)`;
// The outbox holds waiting rows only (relayed ones are deleted, or moved to event_outbox_sent).
const COLUMNS = 'position, id, stream, seq, type, command_key, occurred_at, data, traceparent';
const SELECT_PENDING = (sqlite: boolean) =>
  `SELECT ${COLUMNS} FROM event_outbox ORDER BY position LIMIT ${sqlite ? '?' : '$1'}`;
/** The round's statements on Postgres, for the plan they get (test/integration/outbox-relay-plan.int-spec.ts). */
export const RELAY_ROUND_SQL = { lock: PG_LOCK, pending: SELECT_PENDING(false) };
const ANY_PENDING = 'SELECT 1 AS found FROM event_outbox ORDER BY position LIMIT 1';
const BACKLOG = 'SELECT count(*) AS n, min(occurred_at) AS oldest FROM event_outbox';
const PRUNE_BATCH = 5000;
const STATS_EVERY_MS = 1000;
const PRUNE_EVERY_MS = 60_000;
const BACKOFF_MAX_MS = 5000;

export interface RelayStats {
  /** Rows waiting in the outbox, at the last count. */
  pending: number;
  /** Age of the oldest waiting row, seconds (0 when none). */
  lagSeconds: number;
  /** This instance holds the relay lock (or runs on SQLite). */
  relaying: boolean;
  lastError?: string;
}

/**
 * Publishes outbox rows in position order with the broker's confirmation, and marks a row sent
 * only after its PubAck. A round that dies between the publish and the mark publishes again: the
 * broker drops the copy by its id. The broker's outage, or the database's, never touches intake:
 * rows wait in the outbox (on disk), counted and alerting, and the relay backs off.
 */
export class OutboxRelay {
  private readonly logger = new Logger('Events');
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;
  private lastStatsAt = 0;
  private lastPruneAt = 0;
  private readonly current: RelayStats = { pending: 0, lagSeconds: 0, relaying: false };

  constructor(
    private readonly database: DatabaseService,
    private readonly broker: EventBroker,
    private readonly config: EventsConfig,
    private readonly metrics: EventsMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  stats(): RelayStats {
    return { ...this.current };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.config.relayIntervalMs;
    try {
      if (this.now() - this.lastStatsAt >= STATS_EVERY_MS) await this.count();
      // An intake-only instance (EVENTS_RELAY_ENABLED=false) still counts the backlog for its health and metrics.
      if (!this.config.relayEnabled) return this.schedule(STATS_EVERY_MS);
      const published = await this.round();
      const pruneEvery = Math.min(PRUNE_EVERY_MS, this.config.retentionMs);
      if (this.config.retentionMs > 0 && this.now() - this.lastPruneAt >= pruneEvery) await this.prune();
      this.failures = 0;
      this.current.lastError = undefined;
      // A full batch means more is waiting: straight on.
      if (published >= this.config.relayBatch) next = 0;
    } catch (error) {
      this.failures += 1;
      const reason = secretRedactor.describe(error);
      if (this.current.lastError !== reason) this.logger.warn(`events relay: ${reason}; backing off`);
      this.current.lastError = reason;
      next = Math.min(BACKOFF_MAX_MS, this.config.relayIntervalMs * 2 ** Math.min(this.failures, 10));
    }
    this.schedule(next);
  }

  /** One round: the rows that were published and confirmed. */
  async round(): Promise<number> {
    if (!this.broker.status().connected) throw new Error('broker not connected');
    const sqlite = this.database.currentMode === 'embedded';
    // An idle outbox costs one indexed read, not a transaction.
    const any = await this.database.read({
      kind: 'list',
      consistency: 'strong',
      run: (m) => m.query(ANY_PENDING) as Promise<unknown[]>,
    });
    if (!any || any.length === 0) return 0;
    if (sqlite) {
      // One process, one relay; the broker's round trip is not spent inside SQLite's one write slot.
      const rows = await this.database.writeTransaction((m) => this.pending(m, true));
      return relayRoundSpan(rows, async (traced) => {
        const sent = await this.publish(rows);
        if (sent.length > 0) await this.database.writeTransaction((m) => this.mark(m, sent, true));
        traced(rows.length, sent.length);
        return sent.length;
      });
    }
    return this.database.writeTransaction(async (m) => {
      const [{ locked }] = (await m.query(PG_LOCK)) as { locked: boolean }[];
      this.current.relaying = locked;
      if (!locked) return 0;
      // Traced only once the lock is held and the rows read: an instance that does not relay
      // makes no span, and the round's span links to the commands that wrote its rows.
      const rows = await this.pending(m, false);
      return relayRoundSpan(rows, async (traced) => {
        const sent = await this.publish(rows);
        if (sent.length > 0) await this.mark(m, sent, false);
        traced(rows.length, sent.length);
        return sent.length;
      });
    });
  }

  private pending(m: EntityManager, sqlite: boolean): Promise<OutboxRow[]> {
    return m.query(SELECT_PENDING(sqlite), [this.config.relayBatch]) as Promise<OutboxRow[]>;
  }

  /** The positions of the rows the broker confirmed. */
  private async publish(rows: OutboxRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const messages: BrokerMessage[] = rows.map((r) => ({
      subject: subjectFor(this.config.subjectPrefix, r.stream),
      id: r.id,
      data: Buffer.from(envelopeJson(r)),
      ...(r.traceparent && { traceparent: r.traceparent }),
    }));
    const results: PublishResult[] = await this.broker.publish(messages, this.config.publishTimeoutMs);
    const sent: string[] = [];
    let failed: string | undefined;
    // Counted per family, once a round: a labelled increment per event costs more than the rest of its bookkeeping.
    const counts = new Map<string, { published: number; duplicates: number; failed: number }>();
    results.forEach((result, i) => {
      const family = streamFamily(rows[i].stream);
      let count = counts.get(family);
      if (!count) counts.set(family, (count = { published: 0, duplicates: 0, failed: 0 }));
      if (result.ok) {
        sent.push(rows[i].position);
        if (result.duplicate) count.duplicates += 1;
        else count.published += 1;
      } else {
        failed ??= result.error;
        count.failed += 1;
      }
    });
    for (const [family, count] of counts) this.metrics.relayed(family, count);
    if (failed && sent.length === 0) throw new Error(`broker refused the publish: ${failed}`);
    return sent;
  }

  /** Confirmed rows leave the outbox: deleted (no retention), or moved to event_outbox_sent and kept. */
  private async mark(m: EntityManager, positions: string[], sqlite: boolean): Promise<void> {
    const at = this.now();
    const list = sqlite ? `IN (${positions.map(() => '?').join(',')})` : '= ANY($1::bigint[])';
    if (this.config.retentionMs > 0)
      await m.query(
        `INSERT INTO event_outbox_sent (${COLUMNS}, published_at)
         SELECT ${COLUMNS}, ${sqlite ? '?' : '$2'} FROM event_outbox WHERE position ${list}`,
        sqlite ? [at, ...positions] : [positions, at],
      );
    await m.query(`DELETE FROM event_outbox WHERE position ${list}`, sqlite ? positions : [positions]);
  }

  private async count(): Promise<void> {
    const rows = await this.database.read({
      kind: 'list',
      consistency: 'strong',
      run: (m) => m.query(BACKLOG) as Promise<{ n: string | number; oldest: string | null }[]>,
    });
    const row = rows?.[0] ?? { n: 0, oldest: null };
    this.lastStatsAt = this.now();
    this.current.pending = Number(row.n);
    this.current.lagSeconds = row.oldest ? Math.max(0, (this.now() - Date.parse(row.oldest)) / 1000) : 0;
  }

  private async prune(): Promise<void> {
    const cutoff = this.now() - this.config.retentionMs;
    const sqlite = this.database.currentMode === 'embedded';
    const p = sqlite ? ['?', '?'] : ['$1', '$2'];
    await this.database.writeTransaction((m) =>
      m.query(
        `DELETE FROM event_outbox_sent WHERE position IN (SELECT position FROM event_outbox_sent
         WHERE published_at < ${p[0]} ORDER BY position LIMIT ${p[1]})`,
        [cutoff, PRUNE_BATCH],
      ),
    );
    this.lastPruneAt = this.now();
  }
}

/**
 * The envelope's JSON (see EventEnvelope), its `data` spliced in as stored: the row already holds
 * it as JSON, written by JSON.stringify, so it is not parsed and written again for each event.
 */
export function envelopeJson(r: OutboxRow): string {
  const head: Omit<EventEnvelope, 'data'> = {
    id: r.id,
    stream: r.stream,
    seq: Number(r.seq),
    type: r.type,
    occurredAt: r.occurred_at,
    commandKey: r.command_key,
  };
  return `${JSON.stringify(head).slice(0, -1)},"data":${r.data}}`;
}

/** `order` of `order:<id>`: the bounded label the metrics use for a stream. */
export function streamFamily(stream: string): string {
  const i = stream.indexOf(':');
  return i > 0 ? stream.slice(0, i) : stream;
}
