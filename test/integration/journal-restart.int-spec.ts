import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AppProcess,
  MAIN_ENTRY,
  PostgresCluster,
  freePort,
  makeTempDir,
  removeDir,
  waitFor,
} from '../harness/index.js';

const TOKEN = 'journal-restart-token-0123456789';
const ORDERS = 1000;

interface Health {
  details: { database: { mode: string; backlog: number } };
}

describe('journal replay across a killed process', () => {
  const dir = makeTempDir('journal-restart');
  let cluster: PostgresCluster | undefined;
  after(() => {
    cluster?.destroy();
    removeDir(dir);
  });

  it('SIGKILL in the middle of a replay: the next process finishes it, nothing lost, nothing doubled', async () => {
    cluster = await PostgresCluster.start();
    await cluster.stop('primary', 'immediate');
    const port = String(await freePort());
    const env = {
      PORT: port,
      HOST: '127.0.0.1',
      DB_PRIMARY_URL: cluster.primary.url,
      DB_PROBE_INTERVAL_MS: '100',
      HEALTH_DETAILS_TOKEN: TOKEN,
      HEALTH_CACHE_TTL_MS: '0',
      LOG_LEVEL: 'warn',
    };
    const first = AppProcess.spawn(MAIN_ENTRY, env, dir);
    try {
      await first.ready();
      for (let i = 0; i < ORDERS; i += 50) {
        const batch = Array.from({ length: 50 }, (_, j) =>
          fetch(`${first.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              clientOrderId: `r-${i + j}`,
              symbol: 'MSFT',
              side: 'sell',
              type: 'limit',
              quantity: 1,
              limitPrice: 10,
            }),
          }).then((r) => assert.equal(r.status, 201)),
        );
        await Promise.all(batch);
      }
      const health = async (): Promise<Health> =>
        (
          await fetch(`${first.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })
        ).json() as Promise<Health>;
      assert.equal((await health()).details.database.backlog, ORDERS);
      await cluster.start('primary');
      // Kill as soon as the first replayed batch is committed in Postgres: a genuine mid-replay crash.
      const watcher = new pg.Client({ connectionString: cluster.primary.url });
      await waitFor('Postgres to accept connections', async () => watcher.connect().then(() => true), 15_000, 20);
      try {
        // Committed in Postgres and settled in the journal: the kill then lands between two batches.
        const journal = new Database(join(dir, 'data', 'app.sqlite'), { readonly: true, fileMustExist: true });
        try {
          await waitFor(
            'the first replayed batch',
            async () => {
              const r = await watcher
                .query("SELECT count(*)::int AS n FROM orders WHERE client_order_id LIKE 'r-%'")
                .catch(() => ({ rows: [{ n: 0 }] }));
              const left = (journal.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
              return r.rows[0].n > 0 && left < ORDERS;
            },
            20_000,
            2,
          );
        } finally {
          journal.close();
        }
        first.child.kill('SIGKILL');
      } finally {
        await watcher.end();
      }
      await first.exited;
    } finally {
      await first.stop();
    }
    const sqlite = new Database(join(dir, 'data', 'app.sqlite'), { readonly: true });
    const left = (sqlite.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
    sqlite.close();
    assert.ok(left > 0 && left < ORDERS, `the kill landed mid-replay (${left} of ${ORDERS} entries left)`);

    const second = AppProcess.spawn(MAIN_ENTRY, env, dir);
    try {
      await second.ready();
      await waitFor(
        'the resumed replay',
        async () => {
          const h = (await (
            await fetch(`${second.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })
          ).json()) as Health;
          return h.details.database.mode === 'normal';
        },
        20_000,
      );
    } finally {
      await second.stop();
    }
    const counts = await cluster.sql(
      'primary',
      "SELECT count(*) || ',' || count(DISTINCT client_order_id) FROM orders WHERE client_order_id LIKE 'r-%'",
    );
    assert.equal(counts, `${ORDERS},${ORDERS}`);
  });
});
