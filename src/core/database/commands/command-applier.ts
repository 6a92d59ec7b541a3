import type { EntityManager } from 'typeorm';
import type { AppliedCommand, CommandEventSink, CommandHandler } from '../database.types.js';

/**
 * Applies a command with its handler, and writes the events it emits in the same transaction: the
 * one place the live write, the replay and the redrive apply a command. The handlers are collected
 * and the sink found at init (DatabaseService); the replay shares this object.
 */
export class CommandApplier {
  readonly handlers = new Map<string, CommandHandler>();
  private sink?: CommandEventSink;

  /** Where events go from now on (an app with EventsModule); without one, handlers' events are not asked for. */
  useSink(sink: CommandEventSink | undefined): void {
    this.sink = sink;
  }

  get recordsEvents(): boolean {
    return this.sink !== undefined;
  }

  /** True when applying `handler` writes more than its own statement, so it needs a transaction. */
  emits(handler: CommandHandler<never, unknown>): boolean {
    return this.sink !== undefined && handler.events !== undefined;
  }

  /** `manager` must be in a transaction when `emits(handler)`: the events commit with the change. */
  async apply<P, R>(
    manager: EntityManager,
    handler: CommandHandler<P, R>,
    command: AppliedCommand,
    payload: P,
  ): Promise<R> {
    const result = await handler.apply(manager, payload);
    if (this.sink && handler.events) {
      const events = handler.events(payload, result);
      if (events.length > 0) await this.sink.record(manager, command, events);
    }
    return result;
  }

  /** The events telling consumers that an acknowledged command was refused on replay (a dead letter). */
  async rejected<P>(
    manager: EntityManager,
    handler: CommandHandler<P, unknown>,
    command: AppliedCommand,
    payload: P,
    reason: string,
  ): Promise<void> {
    if (!this.sink || !handler.rejected) return;
    const events = handler.rejected(payload, reason);
    if (events.length > 0) await this.sink.record(manager, { ...command, type: `${command.type}#rejected` }, events);
  }
}
