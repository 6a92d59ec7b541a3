import { createApp } from './app.factory.js';
import type { AppModuleOptions } from './app.module.js';
import { type AppBuilder, DATABASE_CLI_COMMANDS, runDatabaseCli } from './core/database/index.js';
import { readRawEnvironment } from './core/config/index.js';
import { eventsDeadLettersCommand } from './core/events/index.js';
import { startServer } from './server.js';

/** Every operator command: the database's, and the events consumers' dead letters. */
export const CLI_COMMANDS = [...DATABASE_CLI_COMMANDS, eventsDeadLettersCommand];

// An operator command's app does its one job: it never relays the outbox, nor joins a consumer's
// durable (it would pull events and hold them unacknowledged until their ack wait ran out).
const COMMAND_ENV = { EVENTS_RELAY_ENABLED: 'false', EVENTS_CONSUMERS_ENABLED: 'false' };

/** The app an operator command runs on: `options`' modules, with the events' background work off. */
export function commandApp(options: AppModuleOptions = {}): AppBuilder {
  return (env) => createApp({ ...options, env: { ...(env ?? options.env ?? readRawEnvironment()), ...COMMAND_ENV } });
}

export interface Cli {
  /** Runs `argv` (default: the process's arguments), then exits the process with its code. */
  run(argv?: readonly string[]): Promise<never>;
}

/**
 * The operator commands (`migration:run`, `journal:drain`, `journal:dead-letters`) over the app
 * built from `options`: give it the same `imports` as `startServer`, so the commands see the same
 * modules (their commands, entities and migrations) as the server.
 *
 * `startServerOrCli` does both from one entry point and one module list.
 */
export function createCli(options: AppModuleOptions = {}): Cli {
  const build = commandApp(options);
  return {
    async run(argv = process.argv.slice(2)) {
      const code = await runDatabaseCli(build, argv, undefined, CLI_COMMANDS);
      process.exit(code);
    },
  };
}

/**
 * One entry point and one module list for a team: `node main.js` serves (as `startServer`), and
 * `node main.js migration:run`, `node main.js journal:drain FILE`, `node main.js journal:dead-letters ...`
 * run the operator commands over the same modules.
 */
export async function startServerOrCli(options: AppModuleOptions = {}, argv = process.argv.slice(2)): Promise<void> {
  if (CLI_COMMANDS.some((c) => c.name === argv[0])) await createCli(options).run(argv);
  await startServer(options);
}
