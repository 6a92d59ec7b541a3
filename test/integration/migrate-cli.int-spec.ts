import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { AppProcess, PostgresCluster, makeTempDir, removeDir } from '../harness/index.js';
import { execFileAsync } from '../harness/system.js';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli.main.js', import.meta.url));
const DATA_SOURCE = fileURLToPath(new URL('../../src/core/database/cli/data-source.js', import.meta.url));
const TYPEORM_CLI = createRequire(import.meta.url).resolve('typeorm/cli.js');

/** TypeORM's own `migration:generate --check`: exit 0 when entities and applied migrations agree. */
async function schemaDrift(env: Record<string, string>, dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [TYPEORM_CLI, '-d', DATA_SOURCE, 'migration:generate', `${dir}/Drift`, '--check'],
      { env: { PATH: process.env.PATH, ...env } },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('npm run migration:run', () => {
  const dir = makeTempDir('migrate');
  let cluster: PostgresCluster | undefined;
  after(() => {
    cluster?.destroy();
    removeDir(dir);
  });

  it('applies the migrations to the Postgres writer and exits 0', async () => {
    cluster = await PostgresCluster.start();
    const run = AppProcess.spawn(CLI_ENTRY, { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' }, dir, [
      'migration:run',
    ]);
    assert.equal(await run.exit(), 0, run.output);
    assert.match(run.output, /migrations applied on primary/);
    assert.equal(
      await cluster.sql('primary', "SELECT string_agg(name, ',' ORDER BY timestamp) FROM migrations"),
      [
        'CreateOrders1732900000000',
        'AddOrderOwner1732900000002',
        'ClientOrderIdPerOwner1732900000003',
        'CreateEventOutbox1733200000000',
        'CreateEventInbox1733200000001',
        'CreateOrderPositions1733200000002',
        'OutboxPendingOnly1733300000000',
        'OutboxTraceparent1733400000000',
        'InboxAppliedIndex1733500000000',
      ].join(','),
      "TypeORM's migrations table",
    );
    assert.equal(
      await cluster.sql('primary', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'orders'"),
      '1',
    );
    const drift = await schemaDrift({ DB_PRIMARY_URL: cluster.primary.url }, dir);
    assert.equal(drift.code, 0, `entities and migrations agree on Postgres:\n${drift.output}`);
  });

  it('leaves no drift between the entities and the migrations on SQLite either', async () => {
    const env = { DB_SQLITE_PATH: `${dir}/drift.sqlite`, LOG_LEVEL: 'warn' };
    const run = AppProcess.spawn(CLI_ENTRY, env, dir, ['migration:run']);
    assert.equal(await run.exit(), 0, run.output);
    const drift = await schemaDrift(env, dir);
    assert.equal(drift.code, 0, `entities and migrations agree on SQLite:\n${drift.output}`);
  });
});
