import { hash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { type EntityManager, In } from 'typeorm';
import { AppError, ErrorCode, secretRedactor } from '../../common/index.js';
import { type DatabaseService, insertIfAbsent, isContention, isTargetFailure } from '../../database/index.js';
import type { DeliveredMessage, EventBroker } from '../broker/event-broker.js';
import { type EventEnvelope, subjectFor } from '../event-envelope.js';
import type { EventsConfig } from '../events.config.js';
import type { ConsumeResult, ConsumerStats, EventsMetrics } from '../events.metrics.js';
import { EventDeadLetterEntity, InboxEntity } from './consumer.entities.js';
import { OpenGaps } from './open-gaps.js';
import { consumeBatchSpan } from '../events.spans.js';

/** A team's reaction to events: runs in the transaction that records the event in the inbox. */
export interface EventHandler {
  handle(manager: EntityManager, event: EventEnvelope): Promise<void>;
}

export interface ConsumerSpec {
  /** The durable consumer's name (the broker's position, the inbox's key): stable, ≤ 64 characters. */
  name: string;
  /** The stream families it reads, e.g. `['order']` for `order:<id>` streams. */
  families: readonly string[];
}

// Plain statements on the hot path (a query builder per event costs more than the round trip).
const POSITION = 'SELECT last_seq FROM event_consumer_stream WHERE consumer = $1 AND stream = $2';
// A position only moves on (a gap closed by one instance and an event applied by another, at once).
const FORWARD = `ON CONFLICT (consumer, stream) DO UPDATE SET last_seq = CASE
  WHEN excluded.last_seq > event_consumer_stream.last_seq THEN excluded.last_seq ELSE event_consumer_stream.last_seq END`;
const ADVANCE = `INSERT INTO event_consumer_stream (consumer, stream, last_seq) VALUES ($1, $2, $3) ${FORWARD}`;
// The events the broker still holds on a stream's subject, read at most, when a gap outlives its deadline.
const RETAINED_MAX = 1000;
// A gap past its deadline found still open (its missing event on its way) is looked into again after this.
const GAP_RECHECK_MS = 30_000;
// A missing event the relay has not published yet (refused by a full stream, say): on its way too.
const UNSENT = 'SELECT seq FROM event_outbox WHERE stream = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT 1';

/** What looking into a gap found. */
type GapOutcome =
  | { kind: 'open'; why: string; onItsWay?: boolean }
  | { kind: 'duplicate' }
  | { kind: 'next' }
  /** `reason` when this instance recorded the gap (undefined: another one did, at once). */
  | { kind: 'closed'; reason?: string };

// The stream's position with its row locked to the transaction's end (made at 0 if there is none):
// an upsert that changes nothing takes the row as FOR UPDATE would, on either store, in one statement.
const LOCK_POSITION = `INSERT INTO event_consumer_stream (consumer, stream, last_seq) VALUES ($1, $2, 0)
  ON CONFLICT (consumer, stream) DO UPDATE SET last_seq = event_consumer_stream.last_seq RETURNING last_seq`;

/** The stream's position for `consumer` (0 before its first event); `lock` holds its row to the transaction's end. */
async function positionOf(m: EntityManager, consumer: string, stream: string, lock = false): Promise<number> {
  const [row] = (await m.query(sql(m, lock ? LOCK_POSITION : POSITION), [consumer, stream])) as {
    last_seq: number | string;
  }[];
  return row ? Number(row.last_seq) : 0;
}
/** `$n` placeholders as the store spells them (SQLite: `?`, in order). */
const sql = (m: EntityManager, text: string) =>
  m.connection.driver.options.type === 'better-sqlite3' ? text.replace(/\$\d+/g, '?') : text;

// An event past the next one of its stream: an earlier one has not arrived yet.
class Early extends Error {}

// Events whose attempts this process remembers at most (the oldest forgotten first).
const REMEMBERED = 10_000;
// A gap no delivery mentioned for this many retry intervals (and two ack waits) is not counted open.
const GAP_STALE_RETRIES = 30;

/** Something per event id, kept in this process for at most REMEMBERED events; lost at a restart. */
class Remembered<V> {
  private readonly values = new Map<string, V>();

  get(id: string): V | undefined {
    return this.values.get(id);
  }

  set(id: string, value: V): void {
    this.values.delete(id);
    this.values.set(id, value);
    if (this.values.size > REMEMBERED) this.values.delete(this.values.keys().next().value as string);
  }

  forget(id: string): void {
    this.values.delete(id);
  }
}

// Inbox rows deleted per statement, and how often the pruning looks (after a short pause while batches are full).
const PRUNE_BATCH = 2000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_PAUSE_MS = 100;
// One instance prunes a consumer's inbox at a time (two deleting the same rows could deadlock).
const PRUNE_LOCK = 'SELECT pg_try_advisory_xact_lock(20631204, hashtext($1)) AS locked';
const PRUNE_PICK = 'SELECT event_id FROM event_inbox WHERE consumer = $1 AND applied_at < $2 LIMIT $3';

const REASON_MAX = 500;
const describe = (error: unknown) =>
  secretRedactor.scrub(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, REASON_MAX);

/**
 * Delivers each event to its handler exactly once, in stream order: in one transaction, the inbox
 * row (a redelivery finds it: duplicate), the stream position (an event past the next one is
 * early: sent again later, after the one before it), the handler's writes and the new position.
 * A handler that keeps failing dead-letters the event after EVENTS_CONSUMER_MAX_DELIVER attempts
 * and its stream goes on; no writer (Postgres down) is never the event's fault: it waits.
 */
export class EventConsumer {
  private readonly logger: Logger;
  private lastLagSeconds = 0;
  /**
   * Failed attempts of the handler per event: what dead-letters an event. Not the broker's
   * delivery count, which every redelivery raises: of an early event waiting for its gap, of one
   * that waited out Postgres, of one whose ack wait ran out in a queue. Forgotten at a restart
   * (the event then gets its attempts again: more, never fewer).
   */
  private readonly attempts = new Remembered<number>();
  /** The streams this process found waiting for an earlier event: each gap's deadline runs from then. */
  private readonly gaps: OpenGaps;
  private pruneTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly handler: EventHandler,
    private readonly database: DatabaseService,
    private readonly broker: EventBroker,
    private readonly config: EventsConfig,
    private readonly metrics: EventsMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.logger = new Logger(`Events:${spec.name}`);
    // Unseen this long, a gap is not counted open (its event redelivered elsewhere, or filled there).
    this.gaps = new OpenGaps(Math.max(2 * config.consumerAckWaitMs, GAP_STALE_RETRIES * config.consumerRetryMs), now);
    metrics.consumer(spec.name, () => this.stats());
  }

  get name(): string {
    return this.spec.name;
  }

  /** What its gauges and health show of it. */
  stats(): ConsumerStats {
    return { lagSeconds: this.lastLagSeconds, oldestGapSeconds: this.gaps.oldestSeconds() };
  }

  start(): void {
    for (const family of this.spec.families)
      this.broker.subscribe(
        {
          durable: `${this.spec.name}-${family}`,
          filter: `${this.config.subjectPrefix}.${family}.>`,
          ackWaitMs: this.config.consumerAckWaitMs,
        },
        (batch) => this.deliverBatch(batch),
      );
    this.stopped = false;
    clearTimeout(this.pruneTimer);
    if (this.config.inboxRetentionMs > 0) this.schedulePrune(PRUNE_EVERY_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pruneTimer);
  }

  private schedulePrune(ms: number): void {
    if (this.stopped) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneInbox().then(
        (n) => this.schedulePrune(n >= PRUNE_BATCH ? PRUNE_PAUSE_MS : PRUNE_EVERY_MS),
        (error: unknown) => {
          this.logger.warn(`inbox not pruned yet: ${describe(error)}`);
          this.schedulePrune(PRUNE_EVERY_MS);
        },
      );
    }, ms);
    this.pruneTimer.unref();
  }

  /**
   * Deletes up to PRUNE_BATCH inbox rows older than EVENTS_INBOX_RETENTION_MS: how many went (0
   * while another instance prunes). Safe at any age: a redelivery of a pruned event is still a
   * duplicate, by its stream's position.
   */
  async pruneInbox(): Promise<number> {
    const consumer = this.spec.name;
    const cutoff = this.now() - this.config.inboxRetentionMs;
    return this.database.writeTransaction(async (m) => {
      if (m.connection.driver.options.type !== 'better-sqlite3') {
        const [{ locked }] = (await m.query(PRUNE_LOCK, [consumer])) as { locked: boolean }[];
        if (!locked) return 0;
      }
      const rows = (await m.query(sql(m, PRUNE_PICK), [consumer, cutoff, PRUNE_BATCH])) as { event_id: string }[];
      if (rows.length > 0) await m.delete(InboxEntity, { consumer, eventId: In(rows.map((r) => r.event_id)) });
      return rows.length;
    });
  }

  /**
   * A batch in one transaction, in order (a later event of a stream sees the earlier one's
   * position). An early event (and those after it in its stream) is left out of it, its inbox row
   * taken back, and delivered again later: a gap in one stream does not slow the others. When any
   * other does not apply cleanly, the batch is undone and each is settled on its own, so one
   * event's failure is its own.
   */
  async deliverBatch(batch: DeliveredMessage[]): Promise<void> {
    const applied = batch.length > 1 ? await this.applyBatch(batch) : undefined;
    if (!applied) {
      for (const message of batch) await this.deliver(message);
      return;
    }
    // Settled once the batch committed (never delivered one by one as well).
    const { events, results } = applied;
    for (const [i, message] of batch.entries()) {
      if (results[i] === 'early') results[i] = await this.early(message, events[i]);
      else {
        this.forget(events[i], results[i]);
        message.ack();
      }
      this.metrics.consumed(this.spec.name, results[i]);
    }
    this.lagFrom(events[events.length - 1]);
  }

  /** The batch in one transaction; undefined when it did not apply cleanly (each is then settled on its own). */
  private async applyBatch(
    batch: DeliveredMessage[],
  ): Promise<{ events: EventEnvelope[]; results: ConsumeResult[] } | undefined> {
    try {
      const events = batch.map((m) => parse(m.data));
      const results = await consumeBatchSpan(this.spec.name, batch, () =>
        this.database.writeTransaction((m) => this.applyAll(m, events)),
      );
      return { events, results };
    } catch {
      return undefined;
    }
  }

  async deliver(message: DeliveredMessage): Promise<ConsumeResult> {
    const result = await this.settle(message);
    this.metrics.consumed(this.spec.name, result);
    return result;
  }

  private async settle(message: DeliveredMessage): Promise<ConsumeResult> {
    let event: EventEnvelope;
    try {
      event = parse(message.data);
    } catch (error) {
      // In its place: dead-lettered there, so its stream is not stuck behind it.
      if (error instanceof Malformed && error.placed)
        return this.deadLetter(message, error.placed, 'not an event envelope');
      message.drop(describe(error));
      this.logger.error(`unreadable event on ${message.subject} dropped: ${describe(error)}`);
      return 'dead_lettered';
    }
    try {
      const result = await consumeBatchSpan(this.spec.name, [message], () =>
        this.database.writeTransaction((m) => this.apply(m, event)),
      );
      this.forget(event, result);
      message.ack();
      if (result === 'applied') this.lagFrom(event);
      return result;
    } catch (error) {
      if (error instanceof Early) return this.early(message, event);
      // No writer, or a race another transaction won (a deadlock): never the event's fault.
      if (unavailable(error) || isContention(error)) {
        message.retry(this.config.consumerRetryMs);
        return 'unavailable';
      }
      const failed = (this.attempts.get(event.id) ?? 0) + 1;
      this.attempts.set(event.id, failed);
      if (failed < this.config.consumerMaxDeliver) {
        this.logger.warn(
          `event ${event.id} (${event.type} ${event.stream}#${event.seq}) failed, attempt ${failed}: ${describe(error)}`,
        );
        message.retry(this.config.consumerRetryMs);
        return 'failed';
      }
      return this.deadLetter(message, event, `${describe(error)} (after ${failed} attempts)`);
    }
  }

  /** The consumer's lag, from the last event it applied. */
  private lagFrom(event: EventEnvelope): void {
    this.lastLagSeconds = Math.max(0, (this.now() - Date.parse(event.occurredAt)) / 1000);
  }

  /**
   * Settled: its attempts forgotten, and its stream's gap once the stream moved on (another one
   * may open later; a duplicate is no progress, so the gap's deadline keeps running).
   */
  private forget(event: EventEnvelope, result: ConsumeResult): void {
    this.attempts.forget(event.id);
    if (result !== 'duplicate') this.gaps.closed(event.stream);
  }

  /**
   * An event past the next one of its stream: delivered again later, until its gap fills from the
   * broker's retained stream. A gap still open EVENTS_CONSUMER_GAP_DEADLINE_MS after this process
   * first found its stream waiting is closed if the missing events are gone (`closeGap`); looked
   * into and found on their way, it is not looked into again for GAP_RECHECK_MS.
   */
  private async early(message: DeliveredMessage, event: EventEnvelope): Promise<ConsumeResult> {
    const deadline = this.config.consumerGapDeadlineMs;
    const open = this.gaps.sighted(event.stream);
    if (deadline > 0 && open >= deadline && this.gaps.due(event.stream)) return this.closeGap(message, event, open);
    message.retry(this.config.consumerRetryMs);
    return 'early';
  }

  /**
   * Closes a gap whose missing events are gone: the numbers from the stream's next one up to the
   * first the broker still holds are recorded as one dead letter (type `gap`, its reason naming
   * them) and the position moves past them; then the event is settled as any delivery (applied if
   * it is the next one now). Nothing that may still come is passed over: a number the broker
   * holds (redelivered after a consumer died or a handler's retry), or one still in the outbox
   * (the relay retries it), keeps the gap open, and so does a read of the broker that stopped at
   * its limit. The stream's position row is locked first: of two instances closing it at once, the
   * later finds it moved on.
   */
  private async closeGap(message: DeliveredMessage, event: EventEnvelope, waitedMs: number): Promise<ConsumeResult> {
    const consumer = this.spec.name;
    let outcome: GapOutcome;
    try {
      // The outbox first, then the broker: a row the relay takes out after this look is in the
      // broker by the time it is read (and the earlier numbers of a stream were all written before
      // this event was, so none joins the outbox later).
      const [unsent] = await this.database.writeTransaction(
        async (m) =>
          (await m.query(sql(m, UNSENT), [event.stream, await positionOf(m, consumer, event.stream), event.seq])) as {
            seq: number;
          }[],
      );
      outcome = unsent
        ? { kind: 'open', why: `#${unsent.seq} is still in the outbox`, onItsWay: true }
        : await this.closeIfGone(event, waitedMs);
    } catch (error) {
      outcome = { kind: 'open', why: `not looked into: ${describe(error)}` };
    }
    return this.settleGap(message, event, outcome);
  }

  /** The gap closed if what the broker still holds (read now) does not fill it. */
  private async closeIfGone(event: EventEnvelope, waitedMs: number): Promise<GapOutcome> {
    const consumer = this.spec.name;
    const held = await this.held(event.stream);
    return this.database.writeTransaction(async (m): Promise<GapOutcome> => {
      // Locked, the position may have moved on since (the range to close only shrinks).
      const last = await positionOf(m, consumer, event.stream, true);
      if (event.seq <= last) return { kind: 'duplicate' };
      if (event.seq === last + 1) return { kind: 'next' };
      if (!held) return { kind: 'open', why: `the broker holds more than ${RETAINED_MAX} messages on its subject` };
      const next = Math.min(event.seq, ...held.filter((seq) => seq > last));
      if (next === last + 1) return { kind: 'open', why: `#${next} is in the broker`, onItsWay: true };
      const reason = gapReason(last + 1, next - 1, waitedMs);
      const recorded = await insertIfAbsent(m, EventDeadLetterEntity, {
        consumer,
        eventId: gapId(event.stream, last + 1, next - 1),
        stream: event.stream,
        seq: last + 1,
        type: GAP_TYPE,
        envelope: JSON.stringify({ stream: event.stream, from: last + 1, to: next - 1 }),
        reason,
        deadAt: String(this.now()),
        discardedBy: null,
      });
      await m.query(sql(m, ADVANCE), [consumer, event.stream, next - 1]);
      return { kind: 'closed', reason: recorded ? reason : undefined };
    });
  }

  /** The waiting event after its gap was looked into: waits again (put off), or is settled. */
  private async settleGap(
    message: DeliveredMessage,
    event: EventEnvelope,
    outcome: GapOutcome,
  ): Promise<ConsumeResult> {
    switch (outcome.kind) {
      case 'open':
        // On its way: the gauge and EventsConsumerGapOpen tell of it (a line per stream every 30 s would not).
        if (outcome.onItsWay) this.logger.debug(`${event.stream} past its gap deadline, still open: ${outcome.why}`);
        else this.logger.warn(`${event.stream} past its gap deadline, not closed: ${outcome.why}`);
        this.gaps.putOff(event.stream, GAP_RECHECK_MS);
        message.retry(this.config.consumerRetryMs);
        return 'early';
      case 'duplicate':
        // Past this event: its gap is closed (another instance moved the stream on).
        this.gaps.closed(event.stream);
        this.forget(event, 'duplicate');
        message.ack();
        return 'duplicate';
      case 'closed':
        this.gaps.closed(event.stream);
        if (outcome.reason) {
          this.logger.error(`${event.stream} went on past a gap: ${outcome.reason}`);
          this.metrics.consumed(this.spec.name, 'dead_lettered');
        }
        return this.settle(message);
      case 'next':
        return this.settle(message);
    }
  }

  /**
   * The sequence numbers of `stream` the broker still holds (its subject may carry others:
   * filtered), a malformed envelope's too where it names its place; undefined when the read
   * stopped at its limit.
   */
  private async held(stream: string): Promise<number[] | undefined> {
    const { bodies, complete } = await this.broker.retained(
      subjectFor(this.config.subjectPrefix, stream),
      RETAINED_MAX,
    );
    if (!complete) return undefined;
    const seqs: number[] = [];
    for (const body of bodies) {
      let placed: Pick<EventEnvelope, 'stream' | 'seq'> | undefined;
      try {
        placed = parse(body);
      } catch (error) {
        placed = error instanceof Malformed ? error.placed : undefined;
      }
      if (placed?.stream === stream) seqs.push(placed.seq);
    }
    return seqs;
  }

  /**
   * Takes the event's inbox row and checks its place: false for a duplicate (its row there, or
   * its place passed), Early thrown for an event past the next one, true for the next one.
   */
  private async claim(m: EntityManager, event: EventEnvelope): Promise<boolean> {
    const consumer = this.spec.name;
    if (!(await insertIfAbsent(m, InboxEntity, { consumer, eventId: event.id, appliedAt: String(this.now()) })))
      return false;
    const last = await positionOf(m, consumer, event.stream);
    // An event seen before the inbox was written (or after its row was pruned): its place says so.
    if (event.seq <= last) return false;
    if (event.seq > last + 1) throw new Early(`${event.stream}: expected ${last + 1}, got ${event.seq}`);
    return true;
  }

  private async apply(m: EntityManager, event: EventEnvelope): Promise<ConsumeResult> {
    const consumer = this.spec.name;
    if (!(await this.claim(m, event))) return 'duplicate';
    await this.handler.handle(m, event);
    await m.query(sql(m, ADVANCE), [consumer, event.stream, event.seq]);
    return 'applied';
  }

  /**
   * The batch's inbox rows and stream positions in three statements whatever its size (the
   * handler's own writes aside): inbox rows inserted at once (a conflict is a duplicate), the
   * positions of its streams read at once, then moved at once. An early event is left out (its
   * inbox row taken back, a fourth statement): the caller delivers it again later.
   */
  private async applyAll(m: EntityManager, events: EventEnvelope[]): Promise<ConsumeResult[]> {
    const consumer = this.spec.name;
    const now = String(this.now());
    const rows = events.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ');
    const inserted = (await m.query(
      sql(
        m,
        `INSERT INTO event_inbox (consumer, event_id, applied_at) VALUES ${rows} ON CONFLICT DO NOTHING RETURNING event_id`,
      ),
      events.flatMap((e) => [consumer, e.id, now]),
    )) as { event_id: string }[];
    const fresh = new Set(inserted.map((r) => r.event_id));
    const streams = [...new Set(events.map((e) => e.stream))];
    const positions = new Map<string, number>();
    const known = (await m.query(
      sql(
        m,
        `SELECT stream, last_seq FROM event_consumer_stream WHERE consumer = $1 AND stream IN (${streams.map((_, i) => `$${i + 2}`).join(', ')})`,
      ),
      [consumer, ...streams],
    )) as { stream: string; last_seq: number }[];
    for (const row of known) positions.set(row.stream, Number(row.last_seq));
    const moved = new Set<string>();
    const results: ConsumeResult[] = [];
    const early: string[] = [];
    for (const event of events) {
      // A second copy of an early event (redelivered while queued) is early too: acked as a
      // duplicate it would settle the event unapplied.
      if (early.includes(event.id)) {
        results.push('early');
        continue;
      }
      // The same event twice in one batch: its second copy found the first's inbox row.
      if (!fresh.delete(event.id)) {
        results.push('duplicate');
        continue;
      }
      const last = positions.get(event.stream) ?? 0;
      if (event.seq <= last) {
        results.push('duplicate');
        continue;
      }
      if (event.seq > last + 1) {
        early.push(event.id);
        results.push('early');
        continue;
      }
      await this.handler.handle(m, event);
      positions.set(event.stream, event.seq);
      moved.add(event.stream);
      results.push('applied');
    }
    // Not applied: their inbox rows go, so their next delivery is not taken for a duplicate.
    if (early.length > 0)
      await m.query(
        sql(
          m,
          `DELETE FROM event_inbox WHERE consumer = $1 AND event_id IN (${early.map((_, i) => `$${i + 2}`).join(', ')})`,
        ),
        [consumer, ...early],
      );
    if (moved.size > 0) {
      const list = [...moved];
      await m.query(
        sql(
          m,
          `INSERT INTO event_consumer_stream (consumer, stream, last_seq) VALUES ${list.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ')}
          ${FORWARD}`,
        ),
        list.flatMap((stream) => [consumer, stream, positions.get(stream)]),
      );
    }
    return results;
  }

  /**
   * Kept with its reason, its stream moved past it: an operator redrives or discards it. Checked
   * as an apply is (its inbox row first, then its place): an event another instance applied
   * meanwhile is a duplicate, never a dead letter, and the stream's position never moves back.
   */
  private async deadLetter(message: DeliveredMessage, event: EventEnvelope, reason: string): Promise<ConsumeResult> {
    const consumer = this.spec.name;
    let result: ConsumeResult;
    try {
      result = await this.database.writeTransaction(async (m): Promise<ConsumeResult> => {
        if (!(await this.claim(m, event))) return 'duplicate';
        await insertIfAbsent(m, EventDeadLetterEntity, {
          consumer,
          eventId: event.id,
          stream: event.stream,
          seq: event.seq,
          type: event.type,
          envelope: JSON.stringify(event),
          reason,
          deadAt: String(this.now()),
          discardedBy: null,
        });
        await m.query(sql(m, ADVANCE), [consumer, event.stream, event.seq]);
        return 'dead_lettered';
      });
    } catch (error) {
      // Not its turn yet (a malformed envelope past a gap): it waits as any early event does.
      if (error instanceof Early) return this.early(message, event);
      message.retry(this.config.consumerRetryMs);
      this.logger.warn(`event ${event.id} could not be dead-lettered yet: ${describe(error)}`);
      return 'unavailable';
    }
    this.forget(event, result);
    message.ack();
    if (result === 'duplicate') return result;
    this.logger.error(`event ${event.id} (${event.type} ${event.stream}#${event.seq}) dead-lettered: ${reason}`);
    return 'dead_lettered';
  }
}

/** The dead letter's type for a gap closed: the numbers of a stream the broker no longer held. */
const GAP_TYPE = 'gap';

function gapReason(from: number, to: number, waitedMs: number): string {
  const missing = from === to ? `#${from}` : `#${from} to #${to}`;
  return `gap: ${missing} of its stream in neither the broker nor the outbox after ${waitedMs} ms (EVENTS_CONSUMER_GAP_DEADLINE_MS); the stream went on past it`;
}

const GAP_ID_PREFIX = 'gap-';

/** One id per gap closed (the same gap closed twice, by two instances, is one dead letter). */
function gapId(stream: string, from: number, to: number): string {
  return `${GAP_ID_PREFIX}${hash('sha256', `${stream}#${from}-${to}`).slice(0, 36)}`;
}

/** A gap's dead letter (an event's id is 40 hex digits: never this prefix, whatever its type says). */
export function isGap(dead: { eventId: string; type: string }): boolean {
  return dead.type === GAP_TYPE && dead.eventId.startsWith(GAP_ID_PREFIX);
}

function unavailable(error: unknown): boolean {
  return isTargetFailure(error) || (error instanceof AppError && error.code === ErrorCode.DEPENDENCY_UNAVAILABLE);
}

// What the inbox, the positions and the dead letters can hold (their columns).
const ID_MAX = 40;
const STREAM_MAX = 160;
const TYPE_MAX = 64;
const SEQ_MAX = 2 ** 31 - 1;

const text = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/** An envelope's place, when it has one we can keep: its id, stream and seq. */
function placeOf(value: Partial<EventEnvelope>): boolean {
  return (
    text(value.id, ID_MAX) &&
    text(value.stream, STREAM_MAX) &&
    Number.isInteger(value.seq) &&
    (value.seq as number) >= 1 &&
    (value.seq as number) <= SEQ_MAX
  );
}

/**
 * A malformed envelope: `placed` when its id, stream and seq can be kept (it is dead-lettered in
 * its place, and its stream goes on), else it can only be dropped.
 */
class Malformed extends Error {
  constructor(readonly placed?: EventEnvelope) {
    super('not an event envelope');
  }
}

function parse(data: Uint8Array): EventEnvelope {
  let value: Partial<EventEnvelope>;
  try {
    value = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<EventEnvelope>;
  } catch {
    throw new Malformed();
  }
  if (typeof value !== 'object' || value === null || !placeOf(value)) throw new Malformed();
  if (
    !text(value.type, TYPE_MAX) ||
    typeof value.occurredAt !== 'string' ||
    typeof value.data !== 'object' ||
    value.data === null
  )
    throw new Malformed({ ...value, type: text(value.type, TYPE_MAX) ? value.type : 'unknown' } as EventEnvelope);
  return value as EventEnvelope;
}
