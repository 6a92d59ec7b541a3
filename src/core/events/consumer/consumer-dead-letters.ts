import type { DatabaseService } from '../../database/index.js';
import type { EventEnvelope } from '../event-envelope.js';
import { EventDeadLetterEntity } from './consumer.entities.js';
import type { EventHandler } from './event-consumer.js';

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
      const rows = await m.find(EventDeadLetterEntity, { take: 1000 });
      return rows
        .sort((a, b) => Number(b.deadAt) - Number(a.deadAt))
        .filter((r) => all || r.discardedBy === null)
        .map(({ consumer, eventId, stream, seq, type, reason, deadAt, discardedBy }) => ({
          consumer,
          eventId,
          stream,
          seq,
          type,
          reason,
          deadAt: new Date(Number(deadAt)).toISOString(),
          discardedBy,
        }));
    });
  }

  async redrive(consumer: string, eventId: string): Promise<EventEnvelope> {
    const handler = this.handlers.get(consumer);
    if (!handler) throw new Error(`no consumer "${consumer}" in this app`);
    return this.database.writeTransaction(async (m) => {
      const dead = await m.findOneBy(EventDeadLetterEntity, { consumer, eventId });
      if (!dead || dead.discardedBy !== null)
        throw new Error(`no dead letter ${consumer}/${eventId} to redrive${dead ? ' (discarded)' : ''}`);
      const event = JSON.parse(dead.envelope) as EventEnvelope;
      await handler.handle(m, event);
      await m.delete(EventDeadLetterEntity, { consumer, eventId });
      return event;
    });
  }

  async discard(consumer: string, eventId: string, by: string, reason: string): Promise<void> {
    await this.database.writeTransaction(async (m) => {
      const dead = await m.findOneBy(EventDeadLetterEntity, { consumer, eventId });
      if (!dead || dead.discardedBy !== null)
        throw new Error(`no dead letter ${consumer}/${eventId} to discard${dead ? ' (already discarded)' : ''}`);
      await m.update(
        EventDeadLetterEntity,
        { consumer, eventId },
        { discardedBy: by.slice(0, 64), reason: `${dead.reason}; discarded: ${reason}` },
      );
    });
  }
}
