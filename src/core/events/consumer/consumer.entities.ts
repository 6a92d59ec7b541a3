import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Events a consumer applied, by id: a redelivery finds its row and changes nothing. Rows older
 * than EVENTS_INBOX_RETENTION_MS are deleted (by `applied_at`, its index).
 */
@Entity('event_inbox')
@Index('event_inbox_applied', ['consumer', 'appliedAt'])
export class InboxEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  consumer!: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 40 })
  eventId!: string;

  /** Epoch ms. */
  @Column({ name: 'applied_at', type: 'bigint' })
  appliedAt!: string;
}

/** Per consumer and stream, the last sequence number applied: an event past the next one waits (a gap). */
@Entity('event_consumer_stream')
export class ConsumerStreamEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  consumer!: string;

  @PrimaryColumn({ type: 'varchar', length: 160 })
  stream!: string;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}

/** An event a consumer gave up on after its attempts, with the reason: listed, redriven or discarded by an operator. */
@Entity('event_dead_letter')
export class EventDeadLetterEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  consumer!: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 40 })
  eventId!: string;

  @Column({ type: 'varchar', length: 160 })
  stream!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  /** The whole envelope, as delivered. */
  @Column({ type: 'text' })
  envelope!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'dead_at', type: 'bigint' })
  deadAt!: string;

  @Column({ name: 'discarded_by', type: 'varchar', length: 64, nullable: true })
  discardedBy!: string | null;
}
