import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DatabaseService } from '../../src/core/database/index.js';
import { orderIdFor } from '../../src/modules/orders/order.model.js';
// The orders module's own command, handed a payload no intake of today would journal.
import { cancelOrder } from '../../src/modules/orders/orders.handlers.js';
import { InProcessApp, JwksIssuer, PostgresCluster, limitOrder } from '../harness/index.js';

type Owner = 'alice' | 'bob';
type Command =
  | { kind: 'create'; owner: Owner; key: string; quantity: number }
  | { kind: 'cancel'; by: Owner; owner: Owner; key: string }
  | { kind: 'kill' }
  | { kind: 'start' };

/** What the rules say, Postgres up or down: the answers, and what Postgres holds once replayed. */
class OrdersModel {
  up = true;
  readonly stored = new Map<string, { quantity: number; status: 'new' | 'cancelled' }>();
  // Creates journaled in this outage; `ghost`: the key was already in Postgres, which the journal cannot know.
  readonly journal = new Map<string, { quantity: number; ghost: boolean }>();
  readonly journaledCancels = new Set<string>();
  deadLetters = 0;

  /** Acceptable statuses of a create, and the answer's order status when it succeeds. */
  create(id: string, quantity: number): { codes: number[]; status?: string } {
    if (this.up) {
      const s = this.stored.get(id);
      if (!s) {
        this.stored.set(id, { quantity, status: 'new' });
        return { codes: [201], status: 'new' };
      }
      return s.quantity === quantity ? { codes: [200], status: s.status } : { codes: [409] };
    }
    const j = this.journal.get(id);
    if (j) return j.quantity === quantity ? { codes: [200], status: 'accepted' } : { codes: [409] };
    this.journal.set(id, { quantity, ghost: this.stored.has(id) });
    return { codes: [201], status: 'accepted' };
  }

  /** Acceptable statuses of a cancel; `applied(code)` tells the model what the service did. */
  cancel(id: string, byOwner: boolean): { codes: number[]; applied: (code: number) => void } {
    const none = () => undefined;
    if (this.up) {
      const s = this.stored.get(id);
      if (!s || !byOwner) return { codes: [404], applied: none };
      return { codes: [200], applied: () => (s.status = 'cancelled') };
    }
    const cancelled = () => this.journaledCancels.add(id);
    if (this.journal.has(id)) return byOwner ? { codes: [200], applied: cancelled } : { codes: [404], applied: none };
    // Only Postgres knows it: 503, unless the order cache still holds it (a read made while Postgres was up).
    if (this.stored.has(id))
      return byOwner
        ? { codes: [200, 503], applied: (code) => code === 200 && cancelled() }
        : { codes: [404, 503], applied: none };
    return { codes: [503], applied: none };
  }

  /** The replay, once Postgres is back: per entity, the create first, then the cancel. */
  replayed(): void {
    for (const [id, j] of this.journal) {
      const s = this.stored.get(id);
      if (j.ghost && s && s.quantity !== j.quantity) {
        // Refused as a conflicting reuse; a cancel of it follows it to the dead letters.
        this.deadLetters += this.journaledCancels.delete(id) ? 2 : 1;
        continue;
      }
      if (!s) this.stored.set(id, { quantity: j.quantity, status: 'new' });
    }
    for (const id of this.journaledCancels) {
      const s = this.stored.get(id);
      if (s) s.status = 'cancelled';
    }
    this.journal.clear();
    this.journaledCancels.clear();
  }
}

const owners = fc.constantFrom<Owner>('alice', 'bob');
const keys = fc.constantFrom('k-1', 'k-2');
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      owner: owners,
      key: keys,
      quantity: fc.constantFrom(1, 2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), by: owners, owner: owners, key: keys }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'kill' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'start' as const }) },
);

describe('orders against a model of the rules, two owners, Postgres killed and restarted at random points', () => {
  let cluster: PostgresCluster;
  let issuer: JwksIssuer;
  const tokens: Record<Owner, string> = { alice: '', bob: '' };

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    issuer = await JwksIssuer.start();
    tokens.alice = await issuer.token('alice', 'orders:read orders:write');
    tokens.bob = await issuer.token('bob', 'orders:read orders:write');
  });
  after(async () => {
    await issuer?.close();
    PostgresCluster.destroyAll();
  });

  async function boot(): Promise<InProcessApp> {
    const app = await InProcessApp.start({
      ...issuer.env({ AUTH_JWKS_COOLDOWN_MS: '0' }),
      DB_PRIMARY_URL: cluster.primary.url,
      TRADING_SYMBOLS: 'AAPL',
    });
    await app.until('normal mode', () => app.get(DatabaseService).currentMode === 'normal', 20_000);
    return app;
  }

  it('answers every command as the model predicts, and Postgres ends with exactly the acknowledged orders', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 16 }), async (commands) => {
        await cluster.sql('primary', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public');
        const app = await boot();
        const database = app.get(DatabaseService);
        const model = new OrdersModel();
        const call = (method: 'GET' | 'POST', url: string, owner: Owner, payload?: object) =>
          app.request({ method, url, payload, headers: { authorization: `Bearer ${tokens[owner]}` } });
        try {
          for (const [step, c] of commands.entries()) {
            const where = `step ${step} ${JSON.stringify(c)} (Postgres ${model.up ? 'up' : 'down'})`;
            if (c.kind === 'kill' && model.up) {
              await cluster.stop('primary', 'immediate');
              await app.until('journaling', () => database.currentMode === 'fallback', 10_000);
              model.up = false;
            } else if (c.kind === 'start' && !model.up) {
              await cluster.start('primary');
              model.up = true;
              await app.until('replayed', () => database.currentMode === 'normal', 20_000);
              model.replayed();
            } else if (c.kind === 'create') {
              const expected = model.create(`${c.owner}/${c.key}`, c.quantity);
              const res = await call('POST', '/orders', c.owner, limitOrder(c.key, { quantity: c.quantity }));
              assert.ok(expected.codes.includes(res.statusCode), `${where}: ${res.statusCode} ${res.body}`);
              if (expected.status) {
                assert.equal(res.json().status, expected.status, where);
                assert.equal(res.json().owner, c.owner, where);
                assert.equal(res.json().id, orderIdFor(c.key, c.owner), where);
              }
            } else if (c.kind === 'cancel') {
              const expected = model.cancel(`${c.owner}/${c.key}`, c.by === c.owner);
              const res = await call('POST', `/orders/${orderIdFor(c.key, c.owner)}/cancel`, c.by);
              assert.ok(expected.codes.includes(res.statusCode), `${where}: ${res.statusCode} ${res.body}`);
              expected.applied(res.statusCode);
            }
          }
          if (!model.up) {
            await cluster.start('primary');
            model.up = true;
            await app.until('replayed', () => database.currentMode === 'normal', 20_000);
            model.replayed();
          }
          const rows = (
            await cluster.sql(
              'primary',
              "SELECT owner || '/' || client_order_id || ' ' || quantity::float || ' ' || status FROM orders ORDER BY 1",
            )
          )
            .split('\n')
            .filter(Boolean);
          const expected = [...model.stored].map(([id, s]) => `${id} ${s.quantity} ${s.status}`).sort();
          assert.deepEqual(rows, expected, `Postgres holds the acknowledged orders of ${JSON.stringify(commands)}`);
          assert.equal(database.status().deadLetters, model.deadLetters, 'dead letters');
        } finally {
          await app.close();
          if (!model.up) await cluster.start('primary');
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  });

  it("refuses on replay a journaled cancel whose owner is not the order's (an entry an older intake could write)", async () => {
    await cluster.sql('primary', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const app = await boot();
    const database = app.get(DatabaseService);
    try {
      const created = await app.request({
        method: 'POST',
        url: '/orders',
        payload: limitOrder('victim-1'),
        headers: { authorization: `Bearer ${tokens.alice}` },
      });
      assert.equal(created.statusCode, 201);
      const order = created.json();
      await cluster.stop('primary', 'immediate');
      await app.until('journaling', () => database.currentMode === 'fallback', 10_000);
      // Bob's cancel of Alice's order, as journaled before the owner was part of the command.
      await database.write(
        cancelOrder,
        { id: order.id, before: { ...order, owner: 'bob' } },
        { key: `cancel:${order.id}`, entityId: order.id },
      );
      await cluster.start('primary');
      await app.until('replayed', () => database.currentMode === 'normal', 20_000);
      assert.equal(await cluster.sql('primary', `SELECT status FROM orders WHERE id = '${order.id}'`), 'new');
      assert.match(database.deadLetters()[0]?.reason ?? '', /cannot cancel order .*: no such order/);
    } finally {
      await app.close();
    }
  });

  it('refuses with 400, before journaling, a command payload holding U+0000', async () => {
    const app = await InProcessApp.start({ DB_PRIMARY_URL: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      const database = app.get(DatabaseService);
      await assert.rejects(
        database.write(
          cancelOrder,
          { id: 'x', before: { ...limitOrder('nul'), owner: 'a\u0000b' } as never },
          { key: 'x', entityId: 'x' },
        ),
        (error: { code?: string; details?: object }) => error.code === 'VALIDATION_FAILED',
      );
      assert.equal(database.status().backlog, 0);
    } finally {
      await app.close();
    }
  });
});
