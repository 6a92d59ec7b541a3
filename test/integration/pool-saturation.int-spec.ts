import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import pg from 'pg';
import { DatabaseModule, DatabaseService, defineCommand } from '../../src/core/database/index.js';
import { AppError } from '../../src/core/common/index.js';
import { InProcessApp, limitOrder, PostgresCluster } from '../harness/index.js';

// A handler that holds its pool client for a while, as a slow query under load does.
const slow = defineCommand<{ id: string }, object>({
  type: 'test.slow',
  apply: async (manager) => {
    await manager.query('SELECT pg_sleep(0.3)');
    return {};
  },
  journaled: () => ({ journaled: true }),
});
@Module({ imports: [DatabaseModule.forFeature({ commands: [slow] })] })
class SlowModule {}

/** The mode and the writer's reachability, sampled every 5 ms until stopped: what a flip would leave. */
function watch(database: DatabaseService) {
  const seen = new Set<string>();
  const errors = new Set<string>();
  const timer = setInterval(() => {
    const status = database.status();
    seen.add(status.mode);
    for (const t of status.targets) {
      if (!t.reachable) seen.add(`${t.name} down`);
      if (t.lastError) errors.add(t.lastError);
    }
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return { seen: [...seen], errors: [...errors] };
    },
  };
}

/** After a burst: the mode never left normal, the writer never went down, nothing was journaled. */
async function assertStayedNormal(watcher: ReturnType<typeof watch>, journaled: number): Promise<void> {
  // Probes keep running (every 100 ms) through the busy pool: give them time to have their say.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { seen, errors } = watcher.stop();
  assert.deepEqual(
    seen,
    ['normal'],
    `the mode never left normal, the writer never down (errors: ${errors.join('; ')})`,
  );
  assert.equal(journaled, 0, 'nothing journaled: the journal would leave normal mode');
}

async function burst(database: DatabaseService, prefix: string, n: number) {
  const outcomes = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      database.write(slow, { id: `${prefix}-${i}` }, { key: `${prefix}-${i}`, entityId: `${prefix}-${i}` }),
    ),
  );
  const done = outcomes.filter((o) => o.status === 'fulfilled' && !o.value.journaled).length;
  const journaled = outcomes.filter((o) => o.status === 'fulfilled' && o.value.journaled).length;
  const refused = outcomes
    .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    .map((o) => o.reason as AppError);
  return { done, journaled, refused };
}

describe('our own pool is not an outage (real Postgres)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => PostgresCluster.destroyAll());

  async function boot(cluster: PostgresCluster, env: Record<string, string>) {
    const app = await InProcessApp.start(
      { DB_PRIMARY_URL: cluster.primary.url, LOAD_SHEDDING_ENABLED: 'false', DB_PROBE_INTERVAL_MS: '100', ...env },
      undefined,
      [SlowModule],
    );
    cleanups.push(() => app.close());
    const database = app.get(DatabaseService);
    await app.until('normal mode', () => database.currentMode === 'normal');
    return { app, database };
  }

  it('a pool of 2 whose clients are all busy: waits that time out are 503s, the writer stays up, the mode normal', async () => {
    const cluster = await PostgresCluster.start({ replica: false });
    cleanups.push(() => cluster.destroy());
    const { app, database } = await boot(cluster, { DB_POOL_MAX: '2', DB_CONNECT_TIMEOUT_MS: '100' });
    const watcher = watch(database);
    // An order over HTTP while the burst holds both clients: what a client is told.
    const [{ done, journaled, refused }, http] = await Promise.all([
      burst(database, 'wait', 24),
      new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        app.request({ method: 'POST', url: '/orders', payload: limitOrder('pool-wait-http') }),
      ),
    ]);
    assert.equal(http.statusCode, 503, http.body);
    assert.equal(http.headers['retry-after'], '1');
    await assertStayedNormal(watcher, journaled);
    assert.ok(done >= 2, `the held clients did their work (${done})`);
    assert.ok(refused.length > 0, 'some waits timed out');
    for (const error of refused) {
      assert.equal(error.status, 503, error.message);
      assert.equal(error.retryAfterSeconds, 1);
    }
    assert.equal(database.status().backlog, 0);
  });

  it('Postgres out of slots while the pool tries to grow: the held connections work, the mode stays normal', async () => {
    const cluster = await PostgresCluster.start({
      replica: false,
      settings: { max_connections: '6', superuser_reserved_connections: '0' },
    });
    cleanups.push(() => cluster.destroy());
    const { database } = await boot(cluster, { DB_POOL_MAX: '10' });
    // Another tenant takes every slot the pool does not hold yet.
    const others: pg.Client[] = [];
    cleanups.push(() => Promise.all(others.map((c) => c.end().catch(() => undefined))).then(() => undefined));
    for (let i = 0; i < 10; i++) {
      const client = new pg.Client({ connectionString: cluster.primary.url });
      try {
        await client.connect();
        others.push(client);
      } catch (error) {
        assert.equal((error as { code?: string }).code, '53300', (error as Error).message);
        break;
      }
    }
    assert.ok(others.length > 0 && others.length < 10, `the other tenant holds ${others.length} slots`);
    const watcher = watch(database);
    const { done, journaled, refused } = await burst(database, 'slots', 12);
    await assertStayedNormal(watcher, journaled);
    assert.ok(done >= 1, `the held connection did its work (${done})`);
    assert.ok(refused.length > 0, 'the pool could not grow');
    for (const error of refused) assert.equal(error.status, 503, error.message);
    assert.equal(database.status().backlog, 0);
  });

  it("as the non-superuser role the examples deploy: migrations, probes and writes work, and the slots it cannot take stay the operator's", async () => {
    const cluster = await PostgresCluster.start({
      replica: false,
      settings: { max_connections: '6', superuser_reserved_connections: '3' },
    });
    cleanups.push(() => cluster.destroy());
    // What deploy/postgres/init-replication.sh creates: a login role that owns the database, nothing more.
    await cluster.sql('primary', 'CREATE ROLE trading_app LOGIN NOSUPERUSER');
    await cluster.sql('primary', 'CREATE DATABASE trading OWNER trading_app');
    const url = `postgres://trading_app@127.0.0.1:${cluster.primary.port}/trading`;
    const app = await InProcessApp.start(
      { DB_PRIMARY_URL: url, LOAD_SHEDDING_ENABLED: 'false', DB_PROBE_INTERVAL_MS: '100', DB_POOL_MAX: '10' },
      undefined,
      [SlowModule],
    );
    cleanups.push(() => app.close());
    const database = app.get(DatabaseService);
    await app.until('normal mode', () => database.currentMode === 'normal');
    const writer = database.status().targets.find((t) => t.name === 'primary');
    assert.ok(writer && writer.timeline >= 1, 'the probe reads the timeline without superuser rights');
    const created = await app.request({ method: 'POST', url: '/orders', payload: limitOrder('as-app-role') });
    assert.deepEqual([created.statusCode, created.json().status], [201, 'new'], created.body);
    assert.equal(
      await cluster.sql('primary', "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", 'trading'),
      'trading_app',
      'the migrations ran as the role',
    );
    const watcher = watch(database);
    const [{ journaled, refused }, operator] = await Promise.all([
      burst(database, 'role', 12),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() => cluster.sql('primary', 'SELECT 1')),
    ]);
    await assertStayedNormal(watcher, journaled);
    assert.ok(refused.length > 0, 'the pool could not grow past the slots that are not reserved');
    for (const error of refused) assert.equal(error.status, 503, error.message);
    assert.equal(operator, '1', 'the superuser got a reserved slot while the role held every other one');
  });
});
