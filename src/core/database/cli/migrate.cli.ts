import 'reflect-metadata';
import { createApp } from '../../../app.factory.js';
import { ConfigValidationError } from '../../config/index.js';
import { DatabaseService } from '../database.service.js';

// `npm run migration:run`: applies every module's migrations to SQLite and, when DB_PRIMARY_URL is
// set, to the Postgres writer, then exits. The service also does this at boot; this is for a
// deploy step that wants the schema in place first. Exit 1 when no writer answers in time.
const WAIT_MS = 60_000;

async function main(): Promise<number> {
  const app = await createApp();
  await app.init();
  const database = app.get(DatabaseService);
  try {
    if (database.status().targets.length === 0) {
      process.stdout.write('embedded mode: SQLite migrations applied\n');
      return 0;
    }
    const writer = await database.waitForWriter(WAIT_MS);
    if (!writer) {
      process.stderr.write(`no Postgres writer answered within ${WAIT_MS / 1000} s: migrations not applied\n`);
      return 1;
    }
    process.stdout.write(`migrations applied on ${writer}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
