import type { INestApplicationContext } from '@nestjs/common';
import { ConfigValidationError, type RawEnvironment } from '../../config/index.js';
import { deadLettersCommand } from './dead-letters.command.js';
import { journalDrainCommand } from './journal-drain.command.js';
import { migrateCommand } from './migrate.command.js';

/**
 * Builds the app (its module list: the one the server runs) without listening, on `env`. The CLIs
 * take it from the entry point, so `core/` never imports the app root and a team's own entry gets
 * CLIs with its own modules (their commands, entities and migrations).
 */
export type AppBuilder = (env?: RawEnvironment) => Promise<INestApplicationContext>;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface DatabaseCliCommand {
  name: string;
  usage: string;
  /** The exit code: 0 done, 1 failed, 2 bad usage. */
  run(build: AppBuilder, args: string[], io: CliIo): Promise<number>;
}

export const DATABASE_CLI_COMMANDS: readonly DatabaseCliCommand[] = [
  migrateCommand,
  journalDrainCommand,
  deadLettersCommand,
];

/** Runs the command `argv[0]` of `commands` with the rest of `argv`; answers the exit code. */
export async function runDatabaseCli(
  build: AppBuilder,
  argv: readonly string[],
  io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
  commands: readonly DatabaseCliCommand[] = DATABASE_CLI_COMMANDS,
): Promise<number> {
  const [name, ...args] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`usage:\n${commands.map((c) => `  ${c.usage}`).join('\n')}`);
    return 2;
  }
  try {
    return await command.run(build, args, io);
  } catch (error) {
    io.err(error instanceof ConfigValidationError ? error.message : (error as Error).message);
    return 1;
  }
}
