import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DatabaseService } from '../../src/core/database/index.js';
import { AppProcess, InProcessApp, PostgresCluster, makeTempDir, removeDir } from '../harness/index.js';
import { PositionsModule } from '../fixtures/positions/positions.module.js';

// The fixture team's own entry point (startServerOrCli with [PositionsModule]) and the service's own CLI.
const TEAM_ENTRY = fileURLToPath(new URL('../fixtures/positions/positions-app.main.js', import.meta.url));
const CORE_CLI = fileURLToPath(new URL('../../src/cli.main.js', import.meta.url));

describe("a team's entry point runs the operator commands over its own modules", () => {
  const dirs: string[] = [];
  const dir = (prefix: string) => {
    const d = makeTempDir(prefix);
    dirs.push(d);
    return d;
  };
  after(() => {
    PostgresCluster.destroyAll();
    dirs.forEach(removeDir);
  });

  it("migration:run applies the team's migration with the core's", async () => {
    const cluster = await PostgresCluster.start({ replica: false });
    const run = AppProcess.spawn(
      TEAM_ENTRY,
      { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' },
      dir('team-migrate'),
      ['migration:run'],
    );
    assert.equal(await run.exit(), 0, run.output);
    assert.match(run.output, /migrations applied on primary/);
    const names = await cluster.sql('primary', "SELECT string_agg(name, ',' ORDER BY name) FROM migrations");
    assert.match(names, /CreatePositions1732900000001/);
    assert.match(names, /CreateOrders1732900000000/);
    assert.equal(
      await cluster.sql('primary', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'positions'"),
      '1',
    );
  });

  it("journal:drain applies the team's journaled command; the CLI without the team's module refuses the file at boot", async () => {
    const cluster = await PostgresCluster.start({ replica: false });
    const lost = await InProcessApp.start({ DB_PRIMARY_URL: cluster.primary.url }, dir('team-lost'), [PositionsModule]);
    await lost.until('normal mode', () => lost.get(DatabaseService).currentMode === 'normal');
    await cluster.stop('primary', 'immediate');
    await lost.until('no writer', () => lost.get(DatabaseService).currentMode !== 'normal');
    const res = await lost.request({
      method: 'POST',
      url: '/positions',
      payload: { id: 'p-lost', symbol: 'AAPL', quantity: 3 },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().journaled, true);
    await lost.close(false);
    await cluster.start('primary');
    const file = join(lost.dir, 'app.sqlite');
    const cwd = dir('team-drain');
    const env = { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' };

    const core = AppProcess.spawn(CORE_CLI, env, cwd, ['journal:drain', file]);
    assert.equal(await core.exit(), 1, core.output);
    assert.match(core.output, /"position\.open" that no module declares a handler for/);

    const team = AppProcess.spawn(TEAM_ENTRY, env, cwd, ['journal:drain', file]);
    assert.equal(await team.exit(), 0, team.output);
    assert.match(team.output, /1 applied, 0 dead-lettered, 0 left \(done\)/);
    assert.equal(await cluster.sql('primary', "SELECT quantity FROM positions WHERE id = 'p-lost'"), '3');
  });
});
