import type { EntityManager } from 'typeorm';
import type {
  AppliedCommand,
  CommandEventSink,
  CommandEvents,
  CommandHandler,
  EventDraft,
  InsertEvents,
} from '../database.types.js';

const NO_EVENTS: CommandEvents = {
  emit: () => Promise.resolve(),
  onInsert: () => undefined,
};

/** One command's events, bound to its manager and identity. */
class BoundEvents implements CommandEvents {
  constructor(
    private readonly sink: CommandEventSink,
    private readonly manager: EntityManager,
    private readonly command: AppliedCommand,
  ) {}

  emit(...events: EventDraft[]): Promise<void> {
    return events.length > 0 ? this.sink.record(this.manager, this.command, events) : Promise.resolve();
  }

  onInsert(...events: EventDraft[]): InsertEvents | undefined {
    return events.length > 0 ? { sink: this.sink, command: this.command, events } : undefined;
  }
}

/**
 * Applies a command with its handler, giving it the events it may emit: the one place the live
 * write, the replay and the redrive apply a command. The handlers are collected and the sink found
 * at init (DatabaseService); the replay shares this object.
 */
export class CommandApplier {
  readonly handlers = new Map<string, CommandHandler>();
  private sink?: CommandEventSink;

  /** Where events go from now on (an app with EventsModule); without one, handlers emit nothing. */
  useSink(sink: CommandEventSink | undefined): void {
    this.sink = sink;
  }

  get recordsEvents(): boolean {
    return this.sink !== undefined;
  }

  apply<P, R>(manager: EntityManager, handler: CommandHandler<P, R>, command: AppliedCommand, payload: P): Promise<R> {
    return handler.apply(manager, payload, this.sink ? new BoundEvents(this.sink, manager, command) : NO_EVENTS);
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
