import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseService } from '../database.service.js';
import { withDetachedApp } from './cli-app.js';
import type { DatabaseCliCommand } from './database-cli.js';

// `journal:drain <file> [--wait-seconds N]`: replays a journal file that a lost instance left behind
// (a scaled-in pod's volume) into the current Postgres writer, exactly once, and reports what it
// did. Exit 0 when the file's journal is empty afterwards; 1 when no writer answered in time, the
// replay was interrupted, the file is not a journal, or it holds a command type none of the app's
// modules declares.
export const journalDrainCommand: DatabaseCliCommand = {
  name: 'journal:drain',
  usage: 'journal:drain <journal.sqlite> [--wait-seconds 60]',
  async run(build, args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'wait-seconds': { type: 'string', default: '60' } },
    });
    const waitSeconds = Number(values['wait-seconds']);
    if (positionals.length !== 1 || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const file = resolve(positionals[0]);
    if (!existsSync(file)) {
      io.err(`${file}: no such file`);
      return 1;
    }
    return withDetachedApp(build, async (app) => {
      const database = app.get(DatabaseService);
      if (database.status().targets.length === 0) {
        io.err('DB_PRIMARY_URL is not set: there is no Postgres to drain into');
        return 1;
      }
      const writer = await database.waitForWriter(waitSeconds * 1000);
      if (!writer) {
        const why = database.status().writerUndecided;
        io.err(`no Postgres writer within ${waitSeconds} s${why ? ` (${why})` : ''}: ${file} left untouched`);
        return 1;
      }
      const outcome = await database.drainFile(file);
      io.out(
        `${file} -> ${writer}: ${outcome.replayed} applied, ${outcome.deadLettered} dead-lettered, ${outcome.left} left (${outcome.result})`,
      );
      for (const dead of outcome.deadLetters)
        io.out(`  dead letter ${dead.seq} ${dead.type} ${dead.key}: ${dead.reason}`);
      return outcome.result === 'done' && outcome.left === 0 ? 0 : 1;
    });
  },
};
