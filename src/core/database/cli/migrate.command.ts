import { readRawEnvironment } from '../../config/index.js';
import { DatabaseService } from '../database.service.js';
import type { DatabaseCliCommand } from './database-cli.js';

const WAIT_MS = 60_000;

// `migration:run`: applies every module's migrations to SQLite and, when DB_PRIMARY_URL is set, to
// the Postgres writer, then exits. The service also does this at boot; this is for a deploy step
// that wants the schema in place first. Exit 1 when no writer answers in time.
export const migrateCommand: DatabaseCliCommand = {
  name: 'migration:run',
  usage: 'migration:run',
  async run(build, _args, io) {
    const app = await build(readRawEnvironment());
    try {
      await app.init();
      const database = app.get(DatabaseService);
      if (database.status().targets.length === 0) {
        io.out('embedded mode: SQLite migrations applied');
        return 0;
      }
      const writer = await database.waitForWriter(WAIT_MS);
      if (!writer) {
        io.err(`no Postgres writer answered within ${WAIT_MS / 1000} s: migrations not applied`);
        return 1;
      }
      io.out(`migrations applied on ${writer}`);
      return 0;
    } finally {
      await app.close();
    }
  },
};
