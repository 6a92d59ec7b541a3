import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import {
  type AppliedCommand,
  CommandEventSink,
  type CommandEvents,
  type CommandHandler,
  type EventDraft,
  type InsertEvents,
} from '../database.types.js';
import { collectCommands, DeclaredCommands } from './declared-commands.js';

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
 * The app's command handlers and its events sink, collected at init from its module list (every
 * `DatabaseModule.forFeature({ commands })`, and EventsModule's outbox when present), and the one
 * place a command is applied: the live write, the replay and the redrive, each giving the handler
 * the events it may emit.
 */
@Injectable()
export class CommandApplier implements OnModuleInit {
  readonly handlers = new Map<string, CommandHandler>();
  private sink?: CommandEventSink;

  constructor(private readonly discovery?: DiscoveryService) {}

  onModuleInit(): void {
    const instances = (this.discovery?.getProviders() ?? []).map((wrapper) => wrapper.instance as unknown);
    const declared = instances.filter((i): i is DeclaredCommands => i instanceof DeclaredCommands);
    for (const [type, handler] of collectCommands(declared)) this.handlers.set(type, handler);
    const sinks = instances.filter((i): i is CommandEventSink => i instanceof CommandEventSink);
    if (sinks.length > 1) throw new Error('more than one CommandEventSink provider: an app has one events outbox');
    this.sink = sinks[0];
  }

  /** The handler declared for `type`, or an error naming what to declare. */
  handlerFor<P, R>(type: string): CommandHandler<P, R> {
    const handler = this.handlers.get(type);
    if (!handler)
      throw new Error(
        `command "${type}" is not declared by any module of this app: add it to DatabaseModule.forFeature({ commands })`,
      );
    return handler as CommandHandler<P, R>;
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
