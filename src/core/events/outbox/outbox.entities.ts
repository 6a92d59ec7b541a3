import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One event, written in the transaction of the command that emitted it, relayed to the broker in
 * `position` order. `position` is assigned at insert: events of one stream commit one after the
 * other (each takes its stream's counter row), so a stream's events appear in position order too.
 */
@Entity('event_outbox')
export class OutboxEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  position!: string;

  /** Deterministic (from the command and the event's place in it): the broker's de-duplication id. */
  @Index('event_outbox_id', { unique: true })
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

  /** Epoch ms of the broker's acknowledgement; null while waiting to be relayed. */
  @Column({ name: 'published_at', type: 'bigint', nullable: true })
  publishedAt!: string | null;
}

/** Each stream's last sequence number: the counter that numbers its events with no gaps. */
@Entity('event_stream')
export class EventStreamEntity {
  @PrimaryColumn({ type: 'varchar', length: 160 })
  stream!: string;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}
