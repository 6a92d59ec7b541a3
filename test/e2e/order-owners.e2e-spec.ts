import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppProcess,
  databaseMode,
  JwksIssuer,
  MAIN_ENTRY,
  PostgresCluster,
  freePort,
  limitOrder,
  makeTempDir,
  removeDir,
  waitFor,
} from '../harness/index.js';

const TOKEN = 'order-owners-token-0123456789abcd';

// Keys are per owner in every mode: journaled intake answers a repeat as Postgres does, another
// owner's key is that owner's own order, and a cancel never reaches another owner's order, replay included.
describe('per-owner idempotency and ownership, Postgres up, down and back (processes)', () => {
  const dir = makeTempDir('order-owners');
  let cluster: PostgresCluster;
  let issuer: JwksIssuer;
  let app: AppProcess;
  let alice: string;
  let bob: string;

  const call = async (method: 'GET' | 'POST', path: string, token: string, body?: object) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const mode = () => databaseMode(app.url, TOKEN);

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    issuer = await JwksIssuer.start();
    alice = await issuer.token('alice', 'orders:read orders:write');
    bob = await issuer.token('bob', 'orders:read orders:write');
    app = AppProcess.spawn(
      MAIN_ENTRY,
      issuer.env({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        DB_PRIMARY_URL: cluster.primary.url,
        DB_PROBE_INTERVAL_MS: '100',
        HEALTH_DETAILS_TOKEN: TOKEN,
        HEALTH_CACHE_TTL_MS: '0',
        TRADING_SYMBOLS: 'AAPL,MSFT',
        LOG_LEVEL: 'warn',
      }),
      dir,
    );
    await app.ready();
    await waitFor('normal mode', async () => (await mode()) === 'normal', 20_000);
  });
  after(async () => {
    await app?.stop();
    await issuer?.close();
    cluster?.destroy();
    removeDir(dir);
  });

  it('scopes clientOrderId per owner with Postgres up: no 409 oracle across owners', async () => {
    const mine = await call('POST', '/orders', alice, limitOrder('up-1', { quantity: 1 }));
    assert.equal(mine.status, 201);
    const theirs = await call('POST', '/orders', bob, limitOrder('up-1', { quantity: 2 }));
    assert.equal(theirs.status, 201, "bob reusing alice's key creates bob's own order");
    assert.notEqual(theirs.body.id, mine.body.id);
    assert.equal(theirs.body.owner, 'bob');
    assert.equal((await call('POST', '/orders', bob, limitOrder('up-1', { quantity: 2 }))).status, 200);
    assert.equal((await call('POST', '/orders', bob, limitOrder('up-1', { quantity: 3 }))).status, 409);
    assert.equal((await call('GET', `/orders/${mine.body.id as string}`, alice)).body.quantity, 1);
  });

  it("answers journaled repeats as Postgres would, keeps owners apart, and never cancels another owner's order", async () => {
    const aliceUp = await call('POST', '/orders', alice, limitOrder('k-up', { quantity: 5 }));
    assert.equal(aliceUp.status, 201);
    await cluster.stop('primary', 'immediate');
    await waitFor('fallback mode', async () => (await mode()) === 'fallback', 20_000);

    const first = await call('POST', '/orders', alice, limitOrder('k-1', { quantity: 10 }));
    assert.equal(first.status, 201);
    assert.equal(first.body.status, 'accepted');
    const repeat = await call('POST', '/orders', alice, limitOrder('k-1', { quantity: 10 }));
    assert.equal(repeat.status, 200, 'the same terms again: the journaled order');
    assert.equal(repeat.body.id, first.body.id);
    assert.equal((await call('POST', '/orders', alice, limitOrder('k-1', { quantity: 11 }))).status, 409);
    assert.equal((await call('POST', '/orders', alice, limitOrder('k-1', { side: 'sell', quantity: 10 }))).status, 409);

    const bobs = await call('POST', '/orders', bob, limitOrder('k-1', { quantity: 7 }));
    assert.equal(bobs.status, 201, "bob's key is his own while journaling too");
    assert.notEqual(bobs.body.id, first.body.id);
    const aliceSees = await call('GET', `/orders/${first.body.id as string}`, alice);
    assert.equal(aliceSees.status, 200);
    assert.equal(aliceSees.body.quantity, 10);
    assert.equal((await call('GET', `/orders/${first.body.id as string}`, bob)).status, 404);
    assert.equal((await call('POST', `/orders/${first.body.id as string}/cancel`, bob)).status, 404);
    assert.equal((await call('POST', `/orders/${bobs.body.id as string}/cancel`, bob)).status, 200);

    await cluster.start('primary');
    await waitFor('the replay', async () => (await mode()) === 'normal', 30_000);
    const rows = await cluster.sql(
      'primary',
      "SELECT owner || ' ' || client_order_id || ' ' || quantity::float || ' ' || status FROM orders WHERE client_order_id = 'k-1' ORDER BY owner",
    );
    assert.deepEqual(rows.split('\n').filter(Boolean), ['alice k-1 10 new', 'bob k-1 7 cancelled']);
    const health = await fetch(`${app.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const details = ((await health.json()) as { details: { database: { deadLetters: number } } }).details;
    assert.equal(details.database.deadLetters, 0, 'nothing conflicting reached the journal');
    assert.equal((await call('GET', `/orders/${first.body.id as string}`, alice)).body.status, 'new');
  });
});
