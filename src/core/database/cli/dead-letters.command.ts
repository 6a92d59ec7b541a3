import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadEnvironment, readKeyFile, readRawEnvironment } from '../../config/index.js';
import { databaseConfig } from '../database.config.js';
import { DatabaseService } from '../database.service.js';
import { Journal, type StoredDeadLetter } from '../journal/journal.js';
import { withDetachedApp } from './cli-app.js';
import { deadLetterArgs } from './dead-letter-args.js';
import type { CliIo, DatabaseCliCommand } from './database-cli.js';

const USAGE =
  'journal:dead-letters list [--all] | show ID | redrive ID [--wait-seconds 60] | discard ID --reason TEXT [--by NAME]  [--file journal.sqlite]';

const line = (d: StoredDeadLetter): string =>
  `${d.seq}\t${d.type}\t${d.key}\t${d.failedAt}\t${d.discarded ? `discarded by ${d.discarded.by}: ` : ''}${d.reason}`;

// `journal:dead-letters`: what an operator does with the commands the replay dead-lettered, in this
// host's journal (DB_SQLITE_PATH) or `--file`. `redrive` applies one again through its handler on
// the writer (idempotent) and forgets it; `discard` keeps it, marked with who decided and why.
export const deadLettersCommand: DatabaseCliCommand = {
  name: 'journal:dead-letters',
  usage: USAGE,
  async run(build, args, io) {
    const parsed = deadLetterArgs(
      args,
      USAGE,
      io,
      (action, id) =>
        ['list', 'show', 'redrive', 'discard'].includes(action) && (action === 'list' || Number.isInteger(Number(id))),
    );
    if (!parsed) return 2;
    const { action } = parsed;
    const seq = Number(parsed.id);
    const file = resolve(
      parsed.file ??
        loadEnvironment(readRawEnvironment(), { readFile: readKeyFile, configs: [databaseConfig] }).config(
          databaseConfig,
        ).sqlitePath,
    );
    if (!existsSync(file)) {
      io.err(`${file}: no such file`);
      return 1;
    }
    if (action === 'redrive') return redrive(build, file, seq, parsed.waitSeconds, io);
    const journal = new Journal(file, { existing: true });
    try {
      if (action === 'list') {
        const letters = journal.deadLetters(Number.MAX_SAFE_INTEGER, parsed.all);
        for (const d of letters) io.out(line(d));
        io.out(`${letters.length} dead letter(s) in ${file}`);
        return 0;
      }
      const dead = journal.deadLetter(seq);
      if (!dead) {
        io.err(`no dead letter ${seq} in ${file}`);
        return 1;
      }
      if (action === 'show') {
        io.out(JSON.stringify(dead, null, 2));
        return 0;
      }
      const { by, reason } = parsed as Required<typeof parsed>;
      if (!journal.discardDeadLetter(seq, by, reason)) {
        io.err(`dead letter ${seq} was already discarded`);
        return 1;
      }
      io.out(`dead letter ${seq} (${dead.type} ${dead.key}) discarded by ${by}: ${reason}`);
      return 0;
    } finally {
      journal.close();
    }
  },
};

async function redrive(
  build: Parameters<DatabaseCliCommand['run']>[0],
  file: string,
  seq: number,
  waitSeconds: number,
  io: CliIo,
): Promise<number> {
  return withDetachedApp(build, async (app) => {
    const database = app.get(DatabaseService);
    const writer = await database.waitForWriter(waitSeconds * 1000);
    if (!writer) {
      io.err(`no Postgres writer within ${waitSeconds} s: dead letter ${seq} left as it is`);
      return 1;
    }
    const { type, key } = await database.redrive(file, seq);
    io.out(`dead letter ${seq} (${type} ${key}) applied on ${writer}`);
    return 0;
  });
}
