import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DatabaseService } from '../../src/core/database/index.js';
import { AppProcess, InProcessApp, makeTempDir, PostgresCluster, removeDir, limitOrder } from '../harness/index.js';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli.main.js', import.meta.url));
const order = (clientOrderId: string, quantity = 1) => limitOrder(clientOrderId, { quantity });

async function journalOrders(app: InProcessApp, ids: string[], quantity = 1): Promise<void> {
  for (const id of ids) {
    const res = await app.request({ method: 'POST', url: '/orders', payload: order(id, quantity) });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'accepted', 'journaled: Postgres is down');
  }
}

async function rowsPerKey(cluster: PostgresCluster, prefix: string): Promise<Map<string, number>> {
  const out = await cluster.sql(
    'primary',
    `SELECT client_order_id || '=' || count(*) FROM orders WHERE client_order_id LIKE '${prefix}%' GROUP BY client_order_id ORDER BY client_order_id`,
  );
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.split('=')[0], Number(line.split('=')[1])]),
  );
}

describe('journals of many instances', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    PostgresCluster.destroyAll();
  });

  async function postgresThatWasUp(): Promise<PostgresCluster> {
    const cluster = await PostgresCluster.start();
    cleanups.push(() => cluster.destroy());
    // Migrated once, as a fleet's Postgres would be, then stopped: the instances boot into fallback.
    const warm = await InProcessApp.start({ DB_PRIMARY_URL: cluster.primary.url });
    await warm.until('normal mode', () => warm.get(DatabaseService).currentMode === 'normal');
    await warm.close();
    await cluster.stop('primary', 'immediate');
    return cluster;
  }

  it('replay concurrently into one writer: a key journaled on two instances is one order, conflicting terms one order and one dead letter', async () => {
    const cluster = await postgresThatWasUp();
    const env = { DB_PRIMARY_URL: cluster.primary.url };
    const a = await InProcessApp.start(env);
    const b = await InProcessApp.start(env);
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const shared = Array.from({ length: 120 }, (_, i) => `m-shared-${String(i).padStart(3, '0')}`);
    const onlyA = Array.from({ length: 60 }, (_, i) => `m-a-${i}`);
    const onlyB = Array.from({ length: 60 }, (_, i) => `m-b-${i}`);
    // Entries in opposite orders on the two instances: the replays' row locks would cross.
    await journalOrders(a, [...shared, ...onlyA]);
    await journalOrders(b, [...onlyB, ...[...shared].reverse()]);
    await journalOrders(a, ['m-conflict'], 1);
    await journalOrders(b, ['m-conflict'], 2);
    await cluster.start('primary');
    for (const app of [a, b])
      await app.until('its journal replayed', () => app.get(DatabaseService).currentMode === 'normal', 30_000);

    const rows = await rowsPerKey(cluster, 'm-');
    assert.equal(rows.size, shared.length + onlyA.length + onlyB.length + 1, 'every acknowledged key is stored');
    assert.deepEqual(
      [...rows.entries()].filter(([, n]) => n !== 1),
      [],
      'each key exactly once',
    );
    const dead = [a, b].flatMap((app) => app.get(DatabaseService).deadLetters());
    assert.equal(dead.length, 1, 'the conflicting reuse is one dead letter, on whichever instance lost');
    assert.equal(dead[0].key, 'm-conflict');
    assert.match(dead[0].reason, /different terms/);
    for (const app of [a, b]) assert.equal(app.get(DatabaseService).status().backlog, 0);
  });

  it("npm run journal:drain replays a lost instance's journal file exactly once, and refuses while there is no writer", async () => {
    const cluster = await postgresThatWasUp();
    const lost = await InProcessApp.start({ DB_PRIMARY_URL: cluster.primary.url });
    const ids = Array.from({ length: 25 }, (_, i) => `d-${i}`);
    await journalOrders(lost, ids);
    await lost.close(false); // the pod is gone; its volume (this directory) is left behind
    const file = join(lost.dir, 'app.sqlite');
    const cwd = makeTempDir('drain');
    cleanups.push(
      () => removeDir(lost.dir),
      () => removeDir(cwd),
    );

    const refused = AppProcess.spawn(
      CLI_ENTRY,
      { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn', DB_CONNECT_TIMEOUT_MS: '300' },
      cwd,
      ['journal:drain', file, '--wait-seconds', '1'],
    );
    assert.equal(await refused.exit(), 1, refused.output);
    assert.match(refused.output, /no Postgres writer within 1 s: .* left untouched/);

    await cluster.start('primary');
    const first = AppProcess.spawn(CLI_ENTRY, { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' }, cwd, [
      'journal:drain',
      file,
    ]);
    assert.equal(await first.exit(), 0, first.output);
    assert.match(first.output, /-> primary: 25 applied, 0 dead-lettered, 0 left \(done\)/);
    const again = AppProcess.spawn(CLI_ENTRY, { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' }, cwd, [
      'journal:drain',
      file,
    ]);
    assert.equal(await again.exit(), 0, again.output);
    assert.match(again.output, /0 applied, 0 dead-lettered, 0 left/, 'a second drain finds nothing to do');
    const rows = await rowsPerKey(cluster, 'd-');
    assert.equal(rows.size, ids.length);
    assert.deepEqual(
      [...rows.values()].filter((n) => n !== 1),
      [],
    );

    const notJournal = AppProcess.spawn(CLI_ENTRY, { DB_PRIMARY_URL: cluster.primary.url, LOG_LEVEL: 'warn' }, cwd, [
      'journal:drain',
      join(cwd, 'missing.sqlite'),
    ]);
    assert.equal(await notJournal.exit(), 1);
    assert.match(notJournal.output, /no such file/);
  });
});
