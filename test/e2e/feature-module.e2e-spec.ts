import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { ConfigValidationError } from '../../src/core/config/index.js';
import { DatabaseService } from '../../src/core/database/index.js';
import { createApp } from '../../src/app.factory.js';
import { InProcessApp, PostgresCluster, TEST_TOKEN, waitFor, within } from '../harness/index.js';
import { PositionsModule } from '../fixtures/positions/positions.module.js';

const position = (id: string, quantity = 5) => ({ id, symbol: 'AAPL', quantity });

describe('a team feature module added without touching src/core (entity, command, indicator, config, counter)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => PostgresCluster.destroyAll());

  async function boot(env: Record<string, string>) {
    const app = await InProcessApp.start(env, undefined, [PositionsModule]);
    cleanups.push(() => app.close());
    return app;
  }
  const mode = (app: InProcessApp) => app.get(DatabaseService).currentMode;
  const post = (app: InProcessApp, url: string, body: object) => app.request({ method: 'POST', url, payload: body });

  it('replays a command acknowledged while the primary is dead exactly once, and a repository read finds it', async () => {
    const cluster = await PostgresCluster.start({ replica: true });
    cleanups.push(() => cluster.destroy());
    const app = await boot({ DB_PRIMARY_URL: cluster.primary.url, DB_REPLICA_URLS: cluster.replica!.url });
    await app.until('normal mode', () => mode(app) === 'normal');
    assert.equal((await post(app, '/positions', position('p-before'))).statusCode, 201);
    await cluster.stop('primary', 'immediate');
    await app.until('no writer', () => mode(app) !== 'normal');
    const journaled = await post(app, '/positions', position('p-during'));
    assert.equal(journaled.statusCode, 201);
    assert.equal(journaled.json().journaled, true, 'acknowledged into the journal');
    await cluster.start('primary');
    await app.until('replayed', () => mode(app) === 'normal', 20_000);
    assert.equal(
      await cluster.sql('primary', "SELECT count(*) FROM positions WHERE id = 'p-during'"),
      '1',
      'exactly once',
    );
    // A plain repository read is eventual: a replica within DB_REPLICA_MAX_LAG_MS, else the writer.
    let read = await app.request({ method: 'GET', url: '/positions/p-during' });
    await waitFor('the replica to catch up', async () => {
      read = await app.request({ method: 'GET', url: '/positions/p-during' });
      return read.statusCode !== 404;
    });
    assert.deepEqual([read.statusCode, read.json().quantity], [200, 5]);
    const health = (
      await app.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json();
    assert.deepEqual(health.details.positions, {
      status: 'up',
      maxQuantity: 1000,
      critical: false,
      durationMs: health.details.positions.durationMs,
    });
    assert.equal(health.info.positions.status, 'up');
    assert.match((await app.request({ method: 'GET', url: '/metrics' })).body, /^positions_opened_total [1-9]/m);
  });

  it('answers a plain repository write 503 with Retry-After within the query timeout when no writer answers', async () => {
    const cluster = await PostgresCluster.start({ replica: false });
    cleanups.push(() => cluster.destroy());
    const app = await boot({ DB_PRIMARY_URL: cluster.primary.url });
    await app.until('normal mode', () => mode(app) === 'normal');
    assert.equal((await post(app, '/positions/direct', position('d-1'))).statusCode, 201);
    cluster.freeze('primary');
    try {
      const frozen = await within(
        5_000,
        'a write to a frozen primary',
        post(app, '/positions/direct', position('d-2')),
      );
      assert.equal(frozen.statusCode, 503);
      assert.ok(Number(frozen.headers['retry-after']) >= 1);
    } finally {
      cluster.freeze('primary', false);
    }
    await cluster.stop('primary', 'immediate');
    await app.until('no writer', () => mode(app) !== 'normal');
    const gone = await within(5_000, 'a write with no writer', post(app, '/positions/direct', position('d-3')));
    assert.deepEqual([gone.statusCode, gone.json().code], [503, 'DEPENDENCY_UNAVAILABLE']);
    assert.ok(Number(gone.headers['retry-after']) >= 1);
  });

  it('works on the embedded SQLite default with the same entity and migration', async () => {
    const app = await boot({});
    assert.equal(mode(app), 'embedded');
    assert.equal((await post(app, '/positions', position('e-1', 7))).statusCode, 201);
    assert.equal((await post(app, '/positions', position('e-1', 7))).statusCode, 201, 'the command is idempotent');
    assert.equal((await app.request({ method: 'GET', url: '/positions/e-1' })).json().quantity, 7);
    assert.equal(
      (await post(app, '/positions/direct', position('e-1', 7))).statusCode,
      201,
      'save() of an existing row updates it',
    );
  });

  it("stops boot on a bad value of the feature's own variable, in the core's all-at-once message", async () => {
    await assert.rejects(
      createApp({
        env: { LOG_LEVEL: 'fatal', DB_SQLITE_PATH: ':memory:', POSITIONS_MAX_QUANTITY: '0', PORT: 'abc' },
        imports: [PositionsModule],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.match(error.message, /2 variables rejected/);
        assert.match(error.message, /POSITIONS_MAX_QUANTITY="0": must not be less than 1 \[min\]/);
        assert.match(error.message, /PORT="abc"/);
        return true;
      },
    );
  });

  it("names a core module's and a team module's bad variables in one message: one mechanism for both", async () => {
    await assert.rejects(
      createApp({
        env: {
          LOG_LEVEL: 'fatal',
          DB_SQLITE_PATH: ':memory:',
          CACHE_OP_TIMEOUT_MS: '0', // core/cache's class rule
          REDIS_SENTINELS: '127.0.0.1:26379', // core/cache's cross rule
          POSITIONS_MAX_QUANTITY: '0', // the team's class rule
          ORDERS_CURSOR_KEY: 'too-short', // the orders module's class rule
        },
        imports: [PositionsModule],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.deepEqual(error.variables.sort(), [
          'CACHE_OP_TIMEOUT_MS',
          'ORDERS_CURSOR_KEY',
          'POSITIONS_MAX_QUANTITY',
          'REDIS_SENTINEL_MASTER',
        ]);
        assert.match(error.message, /^Invalid configuration: 4 variables rejected\n/);
        assert.match(error.message, /REDIS_SENTINEL_MASTER=\(unset\): must be set when REDIS_SENTINELS is set/);
        return true;
      },
    );
  });
});
