import { IsNull } from 'typeorm';
import type { DatabaseService } from '../../database/index.js';
import type { EventEnvelope } from '../event-envelope.js';
import { EventDeadLetterEntity } from './consumer.entities.js';
import { type EventHandler, isGap } from './event-consumer.js';

export interface ConsumerDeadLetter {
  consumer: string;
  eventId: string;
  stream: string;
  seq: number;
  type: string;
  reason: string;
  deadAt: string;
  discardedBy: string | null;
}

interface DeadLetterRow {
  consumer: string;
  event_id: string;
  stream: string;
  seq: number | string;
  type: string;
  reason: string;
  dead_at: number | string;
  discarded_by: string | null;
}

/**
 * What an operator does with the events a consumer gave up on (`events:dead-letters`): list them,
 * apply one again through its consumer's handler (in one transaction with forgetting it), or
 * discard it, kept with who decided and why.
 */
export class ConsumerDeadLetters {
  constructor(
    private readonly database: DatabaseService,
    private readonly handlers: ReadonlyMap<string, EventHandler>,
  ) {}

  async list(all = false): Promise<ConsumerDeadLetter[]> {
    return this.database.writeTransaction(async (m) => {
      // Newest first, filtered and sorted by the database: the limit never hides a pending one behind discarded ones.
      const rows = (await m.query(
        `SELECT consumer, event_id, stream, seq, type, reason, dead_at, discarded_by FROM event_dead_letter
         ${all ? '' : 'WHERE discarded_by IS NULL'} ORDER BY dead_at DESC LIMIT 1000`,
      )) as DeadLetterRow[];
      return rows.map((r) => ({
        consumer: r.consumer,
        eventId: r.event_id,
        stream: r.stream,
        seq: Number(r.seq),
        type: r.type,
        reason: r.reason,
        deadAt: new Date(Number(r.dead_at)).toISOString(),
        discardedBy: r.discarded_by,
      }));
    });
  }

  /**
   * Applied again, in one transaction with forgetting it. The row is taken first (a conditional
   * delete, which holds it): of two redrives, or a redrive and a discard, at once, one wins and
   * the other is refused, so the handler never runs twice.
   */
  async redrive(consumer: string, eventId: string): Promise<EventEnvelope> {
    const handler = this.handlers.get(consumer);
    if (!handler) throw new Error(`no consumer "${consumer}" in this app`);
    return this.database.writeTransaction(async (m) => {
      const dead = await m.findOneBy(EventDeadLetterEntity, { consumer, eventId });
      if (!dead || dead.discardedBy !== null)
        throw new Error(`no dead letter ${consumer}/${eventId} to redrive${dead ? ' (discarded)' : ''}`);
      if (isGap(dead))
        throw new Error(`${consumer}/${eventId} is a gap (${dead.reason}): no event to apply; discard it once handled`);
      const taken = await m.delete(EventDeadLetterEntity, { consumer, eventId, discardedBy: IsNull() });
      if (taken.affected !== 1)
        throw new Error(`dead letter ${consumer}/${eventId} was redriven or discarded meanwhile`);
      const event = JSON.parse(dead.envelope) as EventEnvelope;
      await handler.handle(m, event);
      return event;
    });
  }

  async discard(consumer: string, eventId: string, by: string, reason: string): Promise<void> {
    await this.database.writeTransaction(async (m) => {
      const dead = await m.findOneBy(EventDeadLetterEntity, { consumer, eventId });
      if (!dead || dead.discardedBy !== null)
        throw new Error(`no dead letter ${consumer}/${eventId} to discard${dead ? ' (already discarded)' : ''}`);
      const marked = await m.update(
        EventDeadLetterEntity,
        { consumer, eventId, discardedBy: IsNull() },
        { discardedBy: by.slice(0, 64), reason: `${dead.reason}; discarded: ${reason}` },
      );
      if (marked.affected !== 1)
        throw new Error(`dead letter ${consumer}/${eventId} was redriven or discarded meanwhile`);
    });
  }
}
