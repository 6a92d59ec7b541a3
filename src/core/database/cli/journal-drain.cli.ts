import 'reflect-metadata';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../../../app.factory.js';
import { ConfigValidationError, readRawEnvironment } from '../../config/index.js';
import { DatabaseService } from '../database.service.js';

// `npm run journal:drain -- <file> [--wait-seconds N]`: replays a journal file that a lost
// instance left behind (a scaled-in pod's volume) into the current Postgres writer, exactly once,
// and reports what it did. Exit 0 when the file's journal is empty afterwards; 1 when no writer
// answered in time, the replay was interrupted, or the file is not a journal.
// This process keeps its own journal in a temp directory, so it never replays the journal of a
// live instance that happens to share DB_SQLITE_PATH with it.
const USAGE = 'usage: npm run journal:drain -- <journal.sqlite> [--wait-seconds 60]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'wait-seconds': { type: 'string', default: '60' } },
  });
  const waitSeconds = Number(values['wait-seconds']);
  if (positionals.length !== 1 || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const file = resolve(positionals[0]);
  if (!existsSync(file)) {
    process.stderr.write(`${file}: no such file\n`);
    return 1;
  }
  const own = mkdtempSync(join(tmpdir(), 'journal-drain-'));
  const app = await createApp({ env: { ...readRawEnvironment(), DB_SQLITE_PATH: join(own, 'journal.sqlite') } });
  try {
    await app.init();
    const database = app.get(DatabaseService);
    if (database.status().targets.length === 0) {
      process.stderr.write('DB_PRIMARY_URL is not set: there is no Postgres to drain into\n');
      return 1;
    }
    const writer = await database.waitForWriter(waitSeconds * 1000);
    if (!writer) {
      const why = database.status().writerUndecided;
      process.stderr.write(
        `no Postgres writer within ${waitSeconds} s${why ? ` (${why})` : ''}: ${file} left untouched\n`,
      );
      return 1;
    }
    const outcome = await database.drainFile(file);
    process.stdout.write(
      `${file} -> ${writer}: ${outcome.replayed} applied, ${outcome.deadLettered} dead-lettered, ${outcome.left} left (${outcome.result})\n`,
    );
    for (const dead of outcome.deadLetters)
      process.stdout.write(`  dead letter ${dead.seq} ${dead.type} ${dead.key}: ${dead.reason}\n`);
    return outcome.result === 'done' && outcome.left === 0 ? 0 : 1;
  } finally {
    await app.close();
    rmSync(own, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : (error as Error).message}\n`);
    process.exit(1);
  },
);
