import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { AppProcess, PostgresCluster, makeTempDir, removeDir } from '../harness/index.js';

const MIGRATE_ENTRY = fileURLToPath(new URL('../../src/core/database/cli/migrate.cli.js', import.meta.url));

describe('npm run migration:run', () => {
  const dir = makeTempDir('migrate');
  let cluster: PostgresCluster | undefined;
  after(() => {
    cluster?.destroy();
    removeDir(dir);
  });

  it('applies the migrations to the Postgres writer and exits 0', async () => {
    cluster = await PostgresCluster.start();
    const run = AppProcess.spawn(MIGRATE_ENTRY, { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' }, dir);
    assert.equal(await run.exit(), 0, run.output);
    assert.match(run.output, /migrations applied on primary/);
    assert.equal(await cluster.sql('primary', "SELECT string_agg(name, ',') FROM migrations"), 'CreateOrders1732900000000', "TypeORM's migrations table");
    assert.equal(await cluster.sql('primary', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'orders'"), '1');
  });
});
