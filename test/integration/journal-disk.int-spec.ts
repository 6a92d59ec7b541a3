import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { DatabaseService } from '../../src/core/database/index.js';
import { InProcessApp, limitOrder, PostgresCluster, SmallVolume, TEST_TOKEN } from '../harness/index.js';

// The journal on a 3 MiB tmpfs that really fills up, Postgres killed under it and started again.
const VOLUME_BYTES = 3 * 1024 * 1024;
const RESERVE_BYTES = 1024 * 1024;

interface Health {
  status: string;
  details: Record<string, { status: string; reason?: string; disk?: { freeBytes?: number; reserve: string } }>;
}

describe('the journal on a full volume (a real tmpfs)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => {
    PostgresCluster.destroyAll();
    SmallVolume.unmountAll();
  });

  async function setup() {
    const volume = SmallVolume.mount(VOLUME_BYTES);
    cleanups.push(() => volume.unmount());
    const cluster = await PostgresCluster.start({ replica: false });
    cleanups.push(() => cluster.destroy());
    const app = await InProcessApp.start({
      DB_PRIMARY_URL: cluster.primary.url,
      DB_SQLITE_PATH: join(volume.dir, 'journal.sqlite'),
      DB_JOURNAL_RESERVE_BYTES: String(RESERVE_BYTES),
      DB_JOURNAL_MIN_FREE_BYTES: String(64 * 1024),
      LOAD_SHEDDING_ENABLED: 'false',
    });
    cleanups.push(() => app.close());
    const database = app.get(DatabaseService);
    await app.until('normal mode', () => database.currentMode === 'normal');
    return { volume, cluster, app, database };
  }

  /** Readiness's status code, and the details /health shows to the details token. */
  const ready = async (app: InProcessApp) => {
    const res = await app.request({ method: 'GET', url: '/health/ready' });
    const health = await app.request({
      method: 'GET',
      url: '/health',
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    return { status: res.statusCode, body: health.json<Health>() };
  };

  /** Journals orders, 20 at a time, until the volume refuses one; what was acknowledged, and the refusal. */
  async function fillJournal(app: InProcessApp) {
    const accepted: string[] = [];
    for (let round = 0; round < 2000; round++) {
      const ids = Array.from({ length: 20 }, (_, i) => `full-${round}-${i}`);
      const answers = await Promise.all(
        ids.map((id) => app.request({ method: 'POST', url: '/orders', payload: limitOrder(id) })),
      );
      answers.forEach((res, i) => {
        if (res.statusCode === 201) accepted.push(ids[i]);
      });
      const refused = answers.find((res) => res.statusCode !== 201);
      if (refused) return { accepted, refused };
    }
    throw new Error(`the volume never filled (${accepted.length} orders journaled)`);
  }

  it('fails readiness while it is full and Postgres takes no writes, then replays into Postgres with no free space, exactly once', async () => {
    const { volume, cluster, app, database } = await setup();
    assert.ok(existsSync(join(volume.dir, 'journal.sqlite.reserve')), 'the reserve is set aside at boot');
    assert.equal((await ready(app)).body.details['database.sqlite'].disk?.reserve, 'held');

    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => database.currentMode === 'fallback');
    const { accepted, refused } = await fillJournal(app);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.json<{ code: string }>().code, 'DEPENDENCY_UNAVAILABLE');
    assert.ok(refused.headers['retry-after'], 'a refusal that says when to retry');
    assert.ok(accepted.length > 100, `orders were journaled before the volume filled (${accepted.length})`);

    const full = await ready(app);
    assert.equal(full.status, 503, 'an instance that can take no write is not ready');
    assert.equal(full.body.details['database.sqlite'].status, 'down');
    assert.match(full.body.details['database.sqlite'].reason ?? '', /full|bytes free/);
    assert.match(full.body.details.database.reason ?? '', /journal cannot be written/);

    await cluster.start('primary');
    await app.until('the journal drained into Postgres', () => database.currentMode === 'normal', 60_000);
    const after = await app.request({ method: 'POST', url: '/orders', payload: limitOrder('after-full') });
    assert.deepEqual([after.statusCode, after.json<{ status: string }>().status], [201, 'new'], after.body);
    assert.equal((await ready(app)).status, 200, 'ready again with a writer');
    assert.equal(database.status().deadLetters, 0);

    const stored = (
      await cluster.sql('primary', "SELECT client_order_id FROM orders WHERE client_order_id LIKE 'full-%'")
    )
      .split('\n')
      .filter(Boolean);
    assert.equal(stored.length, new Set(stored).size, 'no order twice');
    const missing = accepted.filter((id) => !stored.includes(id));
    assert.deepEqual(missing, [], `acknowledged but not stored (${missing.length} of ${accepted.length})`);
  });
});
