import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An event as the outbox stores it: the columns the waiting and the relayed rows share. */
abstract class StoredEvent {
  /** Deterministic (from the command and the event's place in it): the broker's de-duplication id. */
  @Column({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ type: 'varchar', length: 160 })
  stream!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'command_key', type: 'text' })
  commandKey!: string;

  /** UTC, ISO 8601 with microseconds. */
  @Column({ name: 'occurred_at', type: 'varchar', length: 27 })
  occurredAt!: string;

  @Column({ type: 'text' })
  data!: string;

  /** The W3C traceparent of the command that wrote it (tracing on), sent as a message header. */
  @Column({ type: 'varchar', length: 55, nullable: true })
  traceparent!: string | null;
}

/**
 * One event waiting to be relayed, written in the transaction of the command that emitted it and
 * relayed to the broker in `position` order. `position` is assigned at insert: events of one
 * stream commit one after the other (each takes its stream's counter row), so a stream's events
 * appear in position order too. The table holds waiting events only, with its primary key as its
 * one index: a relayed row is deleted, or moved to `event_outbox_sent` while retention lasts.
 */
@Entity('event_outbox')
export class OutboxEventEntity extends StoredEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  position!: string;
}

/** A relayed event, kept for EVENTS_RETENTION_MS after the broker's acknowledgement (none kept by default). */
@Entity('event_outbox_sent')
export class SentEventEntity extends StoredEvent {
  @PrimaryColumn({ type: 'bigint' })
  position!: string;

  /** Epoch ms of the broker's acknowledgement. */
  @Column({ name: 'published_at', type: 'bigint' })
  publishedAt!: string;
}

/** Each stream's last sequence number: the counter that numbers its events with no gaps. */
@Entity('event_stream')
export class EventStreamEntity {
  @PrimaryColumn({ type: 'varchar', length: 160 })
  stream!: string;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}

/**
 * The id of each event written by `events.emit` (not by an insert, which is never repeated): an
 * emit repeated after a crash (a journal entry replayed again and refused again) writes nothing.
 */
@Entity('event_emitted')
export class EmittedEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;
}
