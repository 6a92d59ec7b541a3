import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Module, type ModuleMetadata } from '@nestjs/common';
import {
  DatabaseModule,
  DatabaseService,
  defineCommand,
  PostgresNotifications,
} from '../../src/core/database/index.js';
// The orders module's own command, handed a value its DTO would have refused.
import { createOrder } from '../../src/modules/orders/orders.handlers.js';
// Internal on purpose: the test breaks the journal file to see the service refuse writes.
import { Journal } from '../../src/core/database/journal/journal.js';
import { InProcessApp, PostgresCluster, TEST_TOKEN, waitFor, within, limitOrder } from '../harness/index.js';

const order = (clientOrderId: string, quantity = 1) => limitOrder(clientOrderId, { quantity });

// Commands of a test module: one with a bug (it always throws), one that records what it applied.
const poison = { attempts: 0, applied: [] as string[] };
const buggy = defineCommand<object, object>({
  type: 'test.buggy',
  apply: () => {
    poison.attempts += 1;
    return Promise.reject(new TypeError('a bug in the handler, not a refusal by Postgres'));
  },
  journaled: () => ({}),
});
const recorded = defineCommand<{ id: string }, object>({
  type: 'test.recorded',
  apply: (_manager, p) => {
    poison.applied.push(p.id);
    return Promise.resolve({});
  },
  journaled: () => ({}),
});
@Module({ imports: [DatabaseModule.forFeature({ commands: [buggy, recorded] })] })
class PoisonModule {}

async function post(app: InProcessApp, body: object) {
  return app.request({ method: 'POST', url: '/orders', payload: body });
}

async function countInPostgres(
  cluster: PostgresCluster,
  which: 'primary' | 'replica',
  clientOrderIds: string[],
): Promise<{ rows: number; distinct: number }> {
  // Every row of the (throwaway) table, compared here: a list of thousands of ids would not fit in argv.
  const stored = (await cluster.sql(which, 'SELECT client_order_id FROM orders')).split('\n').filter(Boolean);
  const wanted = new Set(clientOrderIds);
  const matching = stored.filter((id) => wanted.has(id));
  return { rows: matching.length, distinct: new Set(matching).size };
}

describe('DatabaseModule against a real Postgres primary and streaming replica', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => PostgresCluster.destroyAll());

  async function setup(options: { replica?: boolean; startApp?: boolean } = {}) {
    const cluster = await PostgresCluster.start({ replica: options.replica ?? true });
    cleanups.push(() => cluster.destroy());
    // Bursts of 100 concurrent writes test the database, not intake: nothing is shed here.
    const env: Record<string, string> = {
      DB_PRIMARY_URL: cluster.primary.url,
      LOAD_SHEDDING_ENABLED: 'false',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    };
    if (cluster.replica) env.DB_REPLICA_URLS = cluster.replica.url;
    return { cluster, env };
  }

  async function boot(env: Record<string, string>, dir?: string, imports: ModuleMetadata['imports'] = []) {
    const app = await InProcessApp.start(env, dir, imports);
    cleanups.push(() => app.close());
    return app;
  }

  const mode = (app: InProcessApp) => app.get(DatabaseService).currentMode;

  it('writes to the primary, reads from the replica, and confirms a replica miss on the writer', async () => {
    const { cluster, env } = await setup();
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    const created = await post(app, order('n-1'));
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().status, 'new');
    // Read straight after the write: even if the replica has not replayed it yet, never a 404.
    const read = await app.request({ method: 'GET', url: `/orders/${created.json().id}` });
    assert.equal(read.statusCode, 200);
    assert.equal((await countInPostgres(cluster, 'primary', ['n-1'])).rows, 1);
    const missing = await app.request({ method: 'GET', url: '/orders/00000000-0000-4000-8000-000000000000' });
    assert.equal(missing.statusCode, 404);
    const health = (
      await app.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json();
    assert.equal(health.details.database.mode, 'normal');
    assert.equal(health.details['database.primary'].role, 'writer');
    assert.equal(health.details['database.replica.1'].role, 'replica');
  });

  it('loses and doubles nothing when the primary is killed during a stream of concurrent orders', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    const acknowledged: string[] = [];
    const failures: number[] = [];
    let stop = false;
    let n = 0;
    // The outage's share of the stream is bounded: how many orders the journal takes while
    // Postgres restarts depends on how fast it restarts, and a replay of tens of thousands is not
    // what this test is about (orders-journaled and db-failover in the bench are).
    let cap = Number.POSITIVE_INFINITY;
    const worker = async (w: number) => {
      while (!stop) {
        if (acknowledged.length >= cap) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const id = `k-${w}-${n++}`;
        const res = await post(app, order(id));
        if (res.statusCode === 201 || res.statusCode === 200) acknowledged.push(id);
        else failures.push(res.statusCode);
      }
    };
    const workers = [0, 1, 2, 3, 4, 5, 6, 7].map(worker);
    await app.until('orders stored before the kill', () => acknowledged.length >= 20);
    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => mode(app) === 'fallback');
    const atKill = acknowledged.length;
    cap = atKill + 2000;
    await app.until('orders journaled during the outage', () => acknowledged.length >= atKill + 20);
    await cluster.start('primary');
    await app.until('the primary back', () => mode(app) !== 'fallback');
    stop = true;
    await Promise.all(workers);
    await app.until('the journal to drain', () => mode(app) === 'normal', 60_000);
    assert.ok(
      failures.length <= 8,
      `at most the requests in flight at the kill may fail, got ${failures.length}: ${failures.join(',')}`,
    );
    const counts = await countInPostgres(cluster, 'primary', acknowledged);
    assert.equal(counts.distinct, acknowledged.length, 'every acknowledged order is in Postgres');
    assert.equal(counts.rows, acknowledged.length, 'none twice');
    assert.ok(acknowledged.length > 20, `a real stream: ${acknowledged.length} orders`);
  });

  it('answers requests and readiness within their timeouts while the primary is frozen', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    cluster.freeze('primary');
    cleanups.push(() => cluster.freeze('primary', false));
    const created = await within(10_000, 'POST /orders', post(app, order('frozen-1')));
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().status, 'accepted', 'journaled once the query timed out');
    const ready = await within(5_000, '/health/ready', app.request({ method: 'GET', url: '/health/ready' }));
    assert.equal(ready.statusCode, 200, 'a frozen primary degrades, the journal still takes orders');
    const read = await within(
      10_000,
      'GET /orders/:id',
      app.request({ method: 'GET', url: `/orders/${created.json().id}` }),
    );
    assert.equal(read.statusCode, 200);
    cluster.freeze('primary', false);
    await app.until('replay after thaw', () => mode(app) === 'normal', 20_000);
    assert.equal((await countInPostgres(cluster, 'primary', ['frozen-1'])).rows, 1);
  });

  it('journals an order whose synchronous commit waits for a standby that is gone, and stores it once when the standby is back', async () => {
    const { cluster, env } = await setup();
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    await cluster.stop('replica', 'immediate');
    const created = await within(10_000, 'POST /orders', post(app, order('no-standby-1')));
    assert.deepEqual(
      [created.statusCode, created.json().status],
      [201, 'accepted'],
      'the commit never returned: journaled once the query timed out',
    );
    await cluster.start('replica');
    await app.until('replayed with the standby back', () => mode(app) === 'normal', 30_000);
    // Committed locally by the first try and applied again by the replay: one row, on both.
    assert.equal((await countInPostgres(cluster, 'primary', ['no-standby-1'])).rows, 1);
    await waitFor(
      'the replica to hold it',
      async () => (await countInPostgres(cluster, 'replica', ['no-standby-1'])).rows === 1,
      10_000,
    );
    assert.equal(app.get(DatabaseService).status().deadLetters, 0);
  });

  it('takes a promoted replica as the writer, with no journal, and says whether each writer commits synchronously', async () => {
    const { cluster, env } = await setup();
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    const commits = (name: string) =>
      app
        .get(DatabaseService)
        .status()
        .targets.find((t) => t.name === name)?.commits;
    assert.equal(commits('primary'), 'synchronous', 'the harness primary waits for its standby');
    assert.equal(commits('replica.1'), undefined, 'a replica does not commit');
    await cluster.stop('primary', 'immediate');
    await cluster.promote();
    await app.until(
      'the promoted replica as writer',
      () => app.get(DatabaseService).status().writer === 'replica.1' && mode(app) === 'normal',
    );
    const created = await post(app, order('promoted-1'));
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().status, 'new');
    assert.equal((await countInPostgres(cluster, 'replica', ['promoted-1'])).rows, 1);
    await app.until('the promoted writer probed', () => commits('replica.1') !== undefined);
    assert.equal(commits('replica.1'), 'asynchronous', 'promoted with no standby left to wait for');
  });

  it('fences an old primary that comes back writable next to the promoted replica, in running and newly started instances alike', async () => {
    const { cluster, env } = await setup();
    const running = await boot(env);
    await running.until('normal mode', () => mode(running) === 'normal');
    await cluster.stop('primary', 'immediate');
    await cluster.promote();
    await running.until(
      'the promoted replica as writer',
      () => running.get(DatabaseService).status().writer === 'replica.1',
    );
    await cluster.start('primary'); // split brain: both accept writes now
    const fresh = await boot(env);
    await fresh.until(
      'a writer in the instance started after the split brain',
      () => fresh.get(DatabaseService).status().writer !== undefined,
    );
    for (const app of [running, fresh]) {
      await app.until(
        'the old primary fenced',
        () =>
          app
            .get(DatabaseService)
            .status()
            .targets.find((t) => t.name === 'primary')?.fenced === true,
      );
      assert.equal(app.get(DatabaseService).status().writer, 'replica.1', 'the higher timeline wins everywhere');
    }
    const ids = ['sb-1', 'sb-2', 'sb-3', 'sb-4'];
    for (const [i, id] of ids.entries()) assert.equal((await post(i % 2 ? running : fresh, order(id))).statusCode, 201);
    assert.equal((await countInPostgres(cluster, 'replica', ids)).rows, 4);
    assert.equal((await countInPostgres(cluster, 'primary', ids)).rows, 0, 'nothing written to the old primary');
    const health = (
      await fresh.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json();
    assert.equal(health.details['database.primary'].status, 'down');
    assert.equal(health.details['database.primary'].fenced, true);
    const metrics = (await fresh.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /db_target_fenced\{target="primary"\} 1/);
  });

  it('LISTEN/NOTIFY follows the writer through a failover', async () => {
    const { cluster, env } = await setup();
    const app = await boot(env);
    const notifications = app.get(PostgresNotifications);
    const heard: string[] = [];
    notifications.listen('fleet_test', (payload) => heard.push(payload));
    await app.until('listening on the primary', () => notifications.listening === 'primary');
    assert.equal(await notifications.notify('fleet_test', 'one'), true);
    await app.until('the first notification', () => heard.includes('one'));
    await cluster.stop('primary', 'immediate');
    assert.equal(await notifications.notify('fleet_test', 'lost'), false, 'no writer: nothing is sent');
    await cluster.promote();
    await app.until('listening on the promoted replica', () => notifications.listening === 'replica.1');
    assert.equal(await notifications.notify('fleet_test', 'two'), true);
    await app.until('the notification through the new writer', () => heard.includes('two'));
    assert.deepEqual(heard, ['one', 'two']);
  });

  it('moves reads to the primary once replica lag exceeds the budget', async () => {
    const { cluster, env } = await setup();
    const app = await boot(env);
    await app.until(
      'normal mode with a readable replica',
      () => mode(app) === 'normal' && app.get(DatabaseService).status().readableReplicas.length === 1,
    );
    await cluster.sql('replica', 'SELECT pg_wal_replay_pause()');
    const created = await post(app, order('lag-1'));
    assert.equal(created.statusCode, 201);
    await app.until(
      'the lagging replica out of the read set',
      () => app.get(DatabaseService).status().readableReplicas.length === 0,
    );
    const list = await app.request({ method: 'GET', url: '/orders?limit=5' });
    assert.equal(list.statusCode, 200);
    assert.ok(
      list.json().orders.some((o: { clientOrderId: string }) => o.clientOrderId === 'lag-1'),
      'served by the primary, which has it',
    );
    await cluster.sql('replica', 'SELECT pg_wal_replay_resume()');
    await app.until(
      'the replica back in the read set',
      () => app.get(DatabaseService).status().readableReplicas.length === 1,
    );
  });

  it('boots with every Postgres down, journals orders, never answers a false 404, and replays them when Postgres starts', async () => {
    const { cluster, env } = await setup({ replica: false });
    await cluster.stop('primary', 'immediate');
    const app = await boot(env);
    assert.equal(mode(app), 'fallback');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await post(app, order(`boot-${i}`));
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().status, 'accepted');
      ids.push(res.json().id);
    }
    assert.equal((await app.request({ method: 'GET', url: `/orders/${ids[0]}` })).json().status, 'accepted');
    const unknown = await app.request({ method: 'GET', url: '/orders/00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.statusCode, 503, 'only Postgres could say it does not exist');
    assert.ok(Number(unknown.headers['retry-after']) >= 1);
    assert.equal((await app.request({ method: 'GET', url: '/orders' })).statusCode, 503);
    assert.equal(
      (await app.request({ method: 'GET', url: '/health/ready' })).statusCode,
      200,
      'fallback is degraded, not down',
    );
    await cluster.start('primary');
    await app.until('replay', () => mode(app) === 'normal', 20_000);
    const counts = await countInPostgres(
      cluster,
      'primary',
      Array.from({ length: 20 }, (_, i) => `boot-${i}`),
    );
    assert.deepEqual(counts, { rows: 20, distinct: 20 });
    assert.equal((await app.request({ method: 'GET', url: `/orders/${ids[0]}` })).json().status, 'new');
  });

  it('resumes the journal after a process restart: nothing lost, nothing doubled', async () => {
    const { cluster, env } = await setup({ replica: false });
    await cluster.stop('primary', 'immediate');
    const first = await InProcessApp.start(env);
    for (let i = 0; i < 30; i++) assert.equal((await post(first, order(`restart-${i}`))).statusCode, 201);
    await first.close(false);
    await cluster.start('primary');
    const second = await boot(env, first.dir);
    assert.ok(second.get(DatabaseService).status().backlog > 0 || mode(second) !== 'fallback');
    await second.until('replay after restart', () => mode(second) === 'normal', 20_000);
    const counts = await countInPostgres(
      cluster,
      'primary',
      Array.from({ length: 30 }, (_, i) => `restart-${i}`),
    );
    assert.deepEqual(counts, { rows: 30, distinct: 30 });
  });

  it('resumes a replay that the writer interrupted by dying, and applies each command once', async () => {
    const { cluster, env } = await setup({ replica: false });
    await cluster.stop('primary', 'immediate');
    const app = await boot(env);
    const ids = Array.from({ length: 1000 }, (_, i) => `cut-${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      const batch = await Promise.all(ids.slice(i, i + 100).map((id) => post(app, order(id))));
      assert.ok(batch.every((r) => r.statusCode === 201));
    }
    const db = app.get(DatabaseService);
    await cluster.start('primary');
    await app.until('the first replayed batch', () => db.status().backlog < ids.length, 20_000);
    await cluster.stop('primary', 'immediate');
    await app.until('the replay interrupted', () => mode(app) === 'fallback', 10_000);
    assert.ok(db.status().backlog > 0, 'the writer died before the journal was drained');
    await cluster.start('primary');
    await app.until('the resumed replay', () => mode(app) === 'normal', 20_000);
    assert.deepEqual(await countInPostgres(cluster, 'primary', ids), { rows: ids.length, distinct: ids.length });
    assert.equal(db.status().deadLetters, 0);
  });

  it('answers 503, not 500, and fails readiness when not even the journal can take a write', async () => {
    const app = await boot({ DB_PRIMARY_URL: 'postgres://postgres@127.0.0.1:1/none' });
    assert.equal(mode(app), 'fallback');
    const readyGauge = async () =>
      /^health_ready (\d)$/m.exec((await app.request({ method: 'GET', url: '/metrics' })).body)?.[1];
    assert.equal(await readyGauge(), '1', 'journaling is degraded, not down: still ready');
    app.get(Journal).close();
    const res = await post(app, order('nowhere-1'));
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'DEPENDENCY_UNAVAILABLE');
    assert.equal((await app.request({ method: 'GET', url: '/health/ready' })).statusCode, 503);
    assert.equal(await readyGauge(), '0', 'health_ready agrees with /health/ready');
  });

  it('puts a journaled command that Postgres refuses in the dead-letter table, counted and shown', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    assert.equal((await post(app, order('dup-1', 1))).statusCode, 201);
    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => mode(app) === 'fallback');
    // The same key with other terms: the journal cannot know, Postgres will refuse it.
    assert.equal((await post(app, order('dup-1', 2))).statusCode, 201);
    assert.equal((await post(app, order('fine-1', 3))).statusCode, 201);
    await cluster.start('primary');
    await app.until('replay', () => mode(app) === 'normal', 20_000);
    const db = app.get(DatabaseService);
    const dead = db.deadLetters();
    assert.equal(dead.length, 1);
    assert.match(dead[0].reason, /already used by order .* with different terms/);
    assert.equal((await countInPostgres(cluster, 'primary', ['fine-1'])).rows, 1);
    assert.equal(
      Number(await cluster.sql('primary', "SELECT quantity FROM orders WHERE client_order_id = 'dup-1'")),
      1,
    );
    const health = (
      await app.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json();
    assert.equal(health.details.database.deadLetters, 1);
    const metrics = (await app.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /db_journal_dead_lettered_total 1/);
  });

  it('dead-letters a journaled command that keeps failing after DB_REPLAY_MAX_ATTEMPTS, with its error, while the rest replays in entity order', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot({ ...env, DB_REPLAY_MAX_ATTEMPTS: '3' }, undefined, [PoisonModule]);
    await app.until('normal mode', () => mode(app) === 'normal');
    const database = app.get(DatabaseService);
    // Counters are the process's (this file's earlier apps counted too): compared by difference.
    const metric = async (name: string) =>
      Number(
        new RegExp(`^${name} (\\d+)$`, 'm').exec((await app.request({ method: 'GET', url: '/metrics' })).body)?.[1] ??
          0,
      );
    const deadBefore = await metric('db_journal_dead_lettered_total');
    const failuresBefore = await metric('db_journal_replay_failures_total');
    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => mode(app) === 'fallback');
    await database.write(buggy, {}, { key: 'b-1', entityId: 'e-1' });
    // A later command of the same entity: it must never apply before (or without) the failing one.
    await database.write(recorded, { id: 'same-entity' }, { key: 'a-1', entityId: 'e-1' });
    for (let i = 0; i < 5; i++) assert.equal((await post(app, order(`poison-fine-${i}`))).statusCode, 201);
    await database.write(recorded, { id: 'other-entity' }, { key: 'a-2', entityId: 'e-2' });
    await cluster.start('primary');
    await app.until('the replay done', () => mode(app) === 'normal', 20_000);
    assert.equal(poison.attempts, 3, 'exactly DB_REPLAY_MAX_ATTEMPTS attempts');
    assert.deepEqual(
      poison.applied,
      ['other-entity'],
      "the same entity's later command followed it to the dead letters",
    );
    const dead = database.deadLetters();
    assert.deepEqual(dead.map((d) => d.key).sort(), ['a-1', 'b-1']);
    assert.match(dead.find((d) => d.key === 'b-1')?.reason ?? '', /TypeError: a bug in the handler.*after 3 attempts/);
    assert.match(dead.find((d) => d.key === 'a-1')?.reason ?? '', /follows dead letter/);
    assert.equal(database.status().backlog, 0);
    assert.equal(
      (
        await countInPostgres(
          cluster,
          'primary',
          Array.from({ length: 5 }, (_, i) => `poison-fine-${i}`),
        )
      ).rows,
      5,
    );
    assert.equal((await metric('db_journal_dead_lettered_total')) - deadBefore, 2);
    assert.equal(
      (await metric('db_journal_replay_failures_total')) - failuresBefore,
      2,
      'two failed attempts, the third dead-lettered',
    );
    assert.equal(await metric('db_journal_dead_letters'), 2);
  });

  it('while a failing entry holds the replay, commands of other entities go to the writer and answer as Postgres does', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot({ ...env, DB_REPLAY_MAX_ATTEMPTS: '1000' }, undefined, [PoisonModule]);
    await app.until('normal mode', () => mode(app) === 'normal');
    const database = app.get(DatabaseService);
    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => mode(app) === 'fallback');
    await database.write(buggy, {}, { key: 'held-1', entityId: 'held-entity' });
    assert.equal((await post(app, order('held-journaled', 1))).json().status, 'accepted');
    await cluster.start('primary');
    await app.until('the journaled order replayed', () => database.status().backlog === 1, 20_000);
    assert.equal(mode(app), 'replaying', 'the failing entry keeps the journal non-empty');
    const fresh = await post(app, order('held-direct', 1));
    assert.deepEqual([fresh.statusCode, fresh.json().status], [201, 'new'], 'written directly, not journaled');
    assert.equal((await post(app, order('held-direct', 2))).statusCode, 409, 'other terms: refused at once');
    const replayed = await post(app, order('held-journaled', 1));
    assert.deepEqual([replayed.statusCode, replayed.json().status], [200, 'new'], 'a replayed key answers as stored');
    assert.equal(database.status().backlog, 1, 'nothing else was journaled');
  });

  it('answers a key stored before the outage from the replica while journaling: 200 for the same terms, 409 for others, no dead letter', async () => {
    const { cluster, env } = await setup({ replica: true });
    const app = await boot(env);
    await app.until('normal mode', () => mode(app) === 'normal');
    assert.equal((await post(app, order('rep-1', 1))).statusCode, 201);
    await waitFor(
      'the replica to hold it',
      async () => (await cluster.sql('replica', "SELECT count(*) FROM orders WHERE client_order_id = 'rep-1'")) === '1',
      10_000,
    );
    await cluster.stop('primary', 'immediate');
    await app.until('replica-read-only', () => mode(app) === 'replica-read-only', 10_000);
    const again = await post(app, order('rep-1', 1));
    assert.deepEqual([again.statusCode, again.json().status], [200, 'new'], 'the stored order, as Postgres answers');
    assert.equal(
      (await post(app, order('rep-1', 2))).statusCode,
      409,
      'other terms: refused before anything is acknowledged',
    );
    assert.equal((await post(app, order('rep-2', 1))).json().status, 'accepted', 'a new key is journaled');
    assert.equal(app.get(DatabaseService).status().backlog, 1);
    await cluster.start('primary');
    await app.until('replayed', () => mode(app) === 'normal', 20_000);
    assert.equal(app.get(DatabaseService).status().deadLetters, 0);
  });

  it('dead-letters an entry Postgres refuses as data (a value too long for its column) instead of retrying it forever', async () => {
    const { cluster, env } = await setup({ replica: false });
    const app = await boot({ ...env, DB_REPLAY_MAX_ATTEMPTS: '2' });
    await app.until('normal mode', () => mode(app) === 'normal');
    const database = app.get(DatabaseService);
    await cluster.stop('primary', 'immediate');
    await app.until('fallback mode', () => mode(app) === 'fallback');
    // Past the DTO: a caller that hands the command a value the varchar(12) column cannot hold.
    const id = 'c0ffee00-0000-4000-8000-000000000001';
    await database.write(
      createOrder,
      {
        clientOrderId: 'too-long',
        side: 'buy',
        type: 'limit',
        id,
        symbol: 'X'.repeat(40),
        quantity: 1,
        limitPrice: 1,
        createdAt: new Date().toISOString(),
        owner: 'anonymous',
      },
      { key: 'too-long', entityId: id },
    );
    assert.equal((await post(app, order('after-too-long'))).statusCode, 201);
    await cluster.start('primary');
    await app.until('the replay done', () => mode(app) === 'normal', 20_000);
    const dead = database.deadLetters();
    assert.equal(dead.length, 1);
    assert.match(dead[0].reason, /too long|22001/);
    assert.equal((await countInPostgres(cluster, 'primary', ['after-too-long'])).rows, 1);
  });
});
