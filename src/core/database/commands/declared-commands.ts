import type { CommandHandler } from '../database.types.js';

/**
 * The commands one `DatabaseModule.forFeature({ commands })` declares, as a provider of that
 * feature module: DatabaseService collects every instance of the app at init, so the handlers
 * follow the module list the app was built from (server and CLIs alike), and nothing is
 * registered by hand.
 */
export class DeclaredCommands {
  constructor(readonly handlers: readonly CommandHandler<never, unknown>[]) {}
}

/**
 * Declares a command: its handler is what callers pass to `DatabaseService.write`, so the payload
 * and the result are typed by it. `type` is the stable name the journal keeps for each entry:
 * never rename it while entries of it may wait in a journal.
 */
export function defineCommand<P, R>(handler: CommandHandler<P, R>): CommandHandler<P, R> {
  return Object.freeze(handler);
}

/** Every declared handler by type name; two different handlers for one name is a boot error. */
export function collectCommands(declared: readonly DeclaredCommands[]): Map<string, CommandHandler> {
  const handlers = new Map<string, CommandHandler>();
  for (const { handlers: list } of declared) {
    for (const handler of list as readonly CommandHandler[]) {
      const known = handlers.get(handler.type);
      if (known && known !== handler)
        throw new Error(`command type "${handler.type}" is declared twice, by two different handlers`);
      handlers.set(handler.type, handler);
    }
  }
  return handlers;
}
