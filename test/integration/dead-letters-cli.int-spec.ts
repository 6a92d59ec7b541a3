import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DatabaseService } from '../../src/core/database/index.js';
import { AppProcess, InProcessApp, PostgresCluster, limitOrder, makeTempDir, removeDir } from '../harness/index.js';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli.main.js', import.meta.url));

describe('npm run journal:dead-letters', () => {
  const dirs: string[] = [];
  after(() => {
    PostgresCluster.destroyAll();
    dirs.forEach(removeDir);
  });

  it('lists and shows dead letters, redrives one once its cause is fixed, and discards one with who and why', async () => {
    const cluster = await PostgresCluster.start({ replica: false });
    const app = await InProcessApp.start({ DB_PRIMARY_URL: cluster.primary.url });
    dirs.push(app.dir);
    const database = app.get(DatabaseService);
    const post = (body: object) => app.request({ method: 'POST', url: '/orders', payload: body });
    await app.until('normal mode', () => database.currentMode === 'normal');
    assert.equal((await post(limitOrder('dl-1', { quantity: 1 }))).statusCode, 201);
    assert.equal((await post(limitOrder('dl-2', { quantity: 1 }))).statusCode, 201);
    await cluster.stop('primary', 'immediate');
    await app.until('fallback', () => database.currentMode === 'fallback');
    // Keys Postgres already holds with other terms: the journal cannot know; the replay refuses them.
    assert.equal((await post(limitOrder('dl-1', { quantity: 2 }))).statusCode, 201);
    assert.equal((await post(limitOrder('dl-2', { quantity: 2 }))).statusCode, 201);
    await cluster.start('primary');
    await app.until('replayed', () => database.currentMode === 'normal', 20_000);
    assert.equal(database.status().deadLetters, 2);
    await app.close(false);

    const file = join(app.dir, 'app.sqlite');
    const cwd = makeTempDir('dead-letters');
    dirs.push(cwd);
    const cli = async (...args: string[]) => {
      const p = AppProcess.spawn(
        CLI_ENTRY,
        { DB_PRIMARY_URL: cluster.primary.url, DB_SQLITE_PATH: file, LOG_LEVEL: 'warn' },
        cwd,
        ['journal:dead-letters', ...args],
      );
      return { code: await p.exit(), output: p.output };
    };

    const list = await cli('list');
    assert.equal(list.code, 0, list.output);
    assert.match(list.output, /2 dead letter\(s\)/);
    const seqs = [...list.output.matchAll(/^(\d+)\torder\.create/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    assert.equal(seqs.length, 2);
    const [first, second] = seqs;
    const shown = await cli('show', String(first));
    assert.equal(shown.code, 0, shown.output);
    assert.match(shown.output, /"clientOrderId": "dl-1"/);
    assert.match(shown.output, /with different terms/);

    const refused = await cli('redrive', String(first));
    assert.equal(refused.code, 1, 'the cause is still there: Postgres refuses it again');
    assert.match(refused.output, /different terms/);
    // The operator decides the journaled terms stand: the stored order goes, then the redrive applies them.
    await cluster.sql('primary', "DELETE FROM orders WHERE client_order_id = 'dl-1'");
    const redriven = await cli('redrive', String(first));
    assert.equal(redriven.code, 0, redriven.output);
    assert.equal(
      await cluster.sql('primary', "SELECT quantity::float FROM orders WHERE client_order_id = 'dl-1'"),
      '2',
    );

    assert.equal((await cli('discard', String(second))).code, 2, 'a discard needs a reason');
    const discarded = await cli('discard', String(second), '--reason', 'client confirmed qty 1', '--by', 'ops-jane');
    assert.equal(discarded.code, 0, discarded.output);
    assert.match((await cli('list')).output, /0 dead letter\(s\)/);
    const all = await cli('list', '--all');
    assert.match(all.output, /discarded by ops-jane: /);
    assert.equal(
      await cluster.sql('primary', "SELECT quantity::float FROM orders WHERE client_order_id = 'dl-2'"),
      '1',
    );
  });
});
