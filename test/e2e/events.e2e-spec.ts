import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CLI_COMMANDS, commandApp } from '../../src/cli.js';
import { readRawEnvironment } from '../../src/core/config/index.js';
import { EventsRuntime } from '../../src/core/events/index.js';
import { DatabaseService, runDatabaseCli } from '../../src/core/database/index.js';
import { orderIdFor } from '../../src/modules/orders/order.model.js';
import { assertStreamsWhole, brokerEvents } from '../harness/nats-events.js';
import { InProcessApp, limitOrder, NatsServer, PostgresCluster, TEST_TOKEN, waitFor } from '../harness/index.js';

interface Health {
  details: Record<
    string,
    {
      status: string;
      outboxPending?: number;
      broker?: string;
      consumers?: Record<string, { lagSeconds: number; oldestGapSeconds: number }>;
    }
  >;
}

describe('order events: outbox, relay to NATS JetStream, positions consumer', () => {
  let cluster: PostgresCluster;
  let nats: NatsServer;
  let app: InProcessApp;
  let appEnv: Record<string, string>;
  const post = (body: Record<string, unknown>) =>
    app.request({ method: 'POST', url: '/orders', payload: body }).then((r) => {
      assert.ok(r.statusCode === 201 || r.statusCode === 200, `${r.statusCode} ${r.body}`);
      return r.json<{ id: string; status: string }>();
    });
  const health = async () =>
    (await app.request({ url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json<Health>();
  const positions = async () =>
    (await app.request({ url: '/positions' })).json<{
      data: { symbol: string; openBuy: number; openSell: number; openOrders: number }[];
    }>().data;

  before(async () => {
    cluster = await PostgresCluster.start();
    nats = await NatsServer.start();
    // Down at boot: the service must boot and take orders without it.
    await nats.kill();
    appEnv = {
      DB_PRIMARY_URL: cluster.primary.url,
      EVENTS_NATS_URL: nats.url,
      EVENTS_RELAY_INTERVAL_MS: '20',
      EVENTS_CONSUMER_RETRY_MS: '100',
      EVENTS_CONSUMER_MAX_DELIVER: '3',
    };
    app = await InProcessApp.start(appEnv);
    await app.until('a writer', () => app.get(DatabaseService).currentMode === 'normal');
  });

  after(async () => {
    await app?.close();
    await nats?.destroy();
    cluster?.destroy();
  });

  it('the broker down at boot: intake works, the outbox holds the events, and they flow once it comes', async () => {
    const a = await post(limitOrder('boot-1'));
    await post(limitOrder('boot-2', { side: 'sell', quantity: 3 }));
    assert.equal(a.status, 'new');
    await waitFor('the outbox counted', async () => (await health()).details.events?.outboxPending === 2, 5000);
    const events = (await health()).details.events;
    assert.equal(events.status, 'degraded');
    assert.equal(events.broker, 'disconnected');
    // A repeat of a key changes nothing, and emits nothing.
    await post(limitOrder('boot-1'));
    await nats.restart();
    await waitFor('both events in the broker', async () => (await brokerEvents(nats.url)).length === 2, 15_000);
    await waitFor('the outbox drained', async () => (await health()).details.events?.outboxPending === 0, 5000);
    const [created] = await brokerEvents(nats.url);
    assert.equal(created.type, 'order.created');
    assert.equal(created.stream, `order:${a.id}`);
    assert.equal(created.seq, 1);
    assert.match(created.occurredAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal((created.data.order as { owner: string }).owner, 'anonymous');
    assert.equal((created.data.order as { status: string }).status, 'new');
    await waitFor(
      'positions projected',
      async () =>
        JSON.stringify(await positions()) ===
        JSON.stringify([{ symbol: 'AAPL', openBuy: 1, openSell: 3, openOrders: 2 }]),
      10_000,
    );
    // Health shows the consumer: it applied what came, and no stream waits.
    const consumers = (await health()).details.events.consumers;
    assert.deepEqual(Object.keys(consumers ?? {}), ['positions']);
    assert.equal(consumers?.positions.oldestGapSeconds, 0);
  });

  it('a cancel is the next event of its order, and the projection takes it away', async () => {
    const order = await post(limitOrder('cancel-1', { quantity: 4 }));
    const cancelled = await app.request({ method: 'POST', url: `/orders/${order.id}/cancel` });
    assert.equal(cancelled.statusCode, 200);
    // Cancelling again changes nothing: no third event.
    await app.request({ method: 'POST', url: `/orders/${order.id}/cancel` });
    await waitFor(
      'created and cancelled',
      async () => (await brokerEvents(nats.url)).filter((e) => e.stream === `order:${order.id}`).length === 2,
      10_000,
    );
    const streams = assertStreamsWhole(await brokerEvents(nats.url));
    assert.deepEqual(
      streams.get(`order:${order.id}`)!.map((e) => e.type),
      ['order.created', 'order.cancelled'],
    );
    await waitFor(
      'the cancel projected',
      async () =>
        JSON.stringify(await positions()) ===
        JSON.stringify([{ symbol: 'AAPL', openBuy: 1, openSell: 3, openOrders: 2 }]),
      10_000,
    );
  });

  it('the broker killed under load and restarted: every acknowledged order has exactly one event', async () => {
    const acknowledged: string[] = [];
    const load = (async () => {
      for (let i = 0; i < 150; i++) acknowledged.push((await post(limitOrder(`load-${i}`, { quantity: 2 }))).id);
    })();
    await new Promise((r) => setTimeout(r, 150));
    await nats.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await nats.restart();
    await load;
    const want = new Set(acknowledged.map((id) => `order:${id}`));
    await waitFor(
      'every load order in the broker',
      async () => {
        const streams = new Set((await brokerEvents(nats.url)).map((e) => e.stream));
        return [...want].every((s) => streams.has(s));
      },
      30_000,
    );
    const events = await brokerEvents(nats.url);
    assertStreamsWhole(events);
    for (const stream of want)
      assert.deepEqual(
        events.filter((e) => e.stream === stream).map((e) => e.type),
        ['order.created'],
        stream,
      );
  });

  it('the broker frozen: orders are answered while it is, and its events arrive once after it thaws', async () => {
    const before = (await brokerEvents(nats.url)).length;
    nats.freeze();
    try {
      // Every order is answered before the broker is let go: intake never waits for it.
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push((await post(limitOrder(`frozen-${i}`))).id);
      assert.equal(new Set(ids).size, 20);
      // And its round waits no longer than the publish timeout: it gives up, to publish again later.
      await waitFor(
        'the relay round timed out',
        async () => app.get(EventsRuntime).relayStats()!.lastError !== undefined,
        15_000,
      );
    } finally {
      nats.thaw();
    }
    await waitFor(
      'the events after the thaw',
      async () => (await brokerEvents(nats.url)).length >= before + 20,
      30_000,
    );
    const events = await brokerEvents(nats.url);
    assertStreamsWhole(events);
    const frozen = events.filter((e) =>
      (e.data as { order?: { clientOrderId?: string } }).order?.clientOrderId?.startsWith('frozen-'),
    );
    assert.equal(frozen.length, 20, 'one event per order answered while the broker was frozen');
  });

  it('a journaled order emits only when replayed; one refused on replay emits order.rejected', async () => {
    // A row the service does not know of takes key dl-1 with other terms: its journaled create will be refused.
    const client = new pg.Client({ connectionString: cluster.primary.url });
    await client.connect();
    const taken = orderIdFor('dl-1', 'anonymous');
    await client.query(
      `INSERT INTO orders (id, client_order_id, symbol, side, type, quantity, limit_price, status, created_at, owner)
       VALUES ($1, 'dl-1', 'AAPL', 'buy', 'limit', 9, 100, 'new', '2026-01-01T00:00:00.000Z', 'anonymous')`,
      [taken],
    );
    await client.end();
    const before = (await brokerEvents(nats.url)).length;
    await cluster.stop('primary', 'immediate');
    await app.until('journaling', () => app.get(DatabaseService).currentMode === 'fallback');
    const journaled = await post(limitOrder('journaled-1', { quantity: 5 }));
    assert.equal(journaled.status, 'accepted');
    const refused = await post(limitOrder('dl-1', { quantity: 7 }));
    assert.equal(refused.status, 'accepted');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await brokerEvents(nats.url)).length, before, 'an event before its command reached Postgres');
    await cluster.start('primary');
    await waitFor(
      'the replayed and the rejected events',
      async () => (await brokerEvents(nats.url)).length === before + 2,
      30_000,
    );
    const events = await brokerEvents(nats.url);
    const created = events.find((e) => e.stream === `order:${journaled.id}`)!;
    assert.equal(created.type, 'order.created');
    assert.equal((created.data.order as { status: string }).status, 'new');
    const rejected = events.find((e) => e.stream === `order:${refused.id}`)!;
    assert.equal(rejected.type, 'order.rejected');
    assert.equal(rejected.seq, 1);
    assert.equal((rejected.data.order as { quantity: number }).quantity, 7);
    assert.match(String(rejected.data.reason), /different terms/);
    assertStreamsWhole(events);
  });

  it('an event its handler keeps failing on is dead-lettered after its deliveries, its stream goes on, and an operator discards it', async () => {
    const nc = await connect({ servers: nats.url, timeout: 2000 });
    const js = jetstream(nc);
    // A well-formed event the positions handler cannot apply (no order in it), then the next of its stream.
    const poison = {
      id: 'poison-1',
      stream: 'order:poison',
      seq: 1,
      type: 'order.created',
      occurredAt: '2026-12-03T00:00:00.000000Z',
      commandKey: 'k',
      data: {},
    };
    await js.publish('events.order.poison', JSON.stringify(poison), { msgID: poison.id });
    const next = { ...poison, id: 'poison-2', seq: 2, type: 'order.noted' };
    await js.publish('events.order.poison', JSON.stringify(next), { msgID: next.id });
    await nc.close();
    const runtime = app.get(EventsRuntime);
    await waitFor('the dead letter', async () => (await runtime.deadLetters.list()).length === 1, 15_000);
    const [dead] = await runtime.deadLetters.list();
    assert.equal(dead.consumer, 'positions');
    assert.equal(dead.eventId, 'poison-1');
    assert.match(dead.reason, /after 3 attempts/);
    await waitFor('the stream went on past it', async () => {
      const client = new pg.Client({ connectionString: cluster.primary.url });
      await client.connect();
      try {
        const r = await client.query(
          `SELECT last_seq FROM event_consumer_stream WHERE consumer = 'positions' AND stream = 'order:poison'`,
        );
        return r.rows[0]?.last_seq === 2;
      } finally {
        await client.end();
      }
    });
    // Redriven, it fails again and stays; discarded, it leaves the list and is kept with who and why.
    await assert.rejects(runtime.deadLetters.redrive('positions', 'poison-1'), TypeError);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) };
    const env = { ...readRawEnvironment(), ...appEnv, DB_SQLITE_PATH: join(app.dir, 'cli.sqlite'), LOG_LEVEL: 'error' };
    // As `npm run events:dead-letters` builds it: the relay and the consumers off.
    const build = (override?: Record<string, string | undefined>) => commandApp()({ ...env, ...override, ...appEnv });
    assert.equal(
      await runDatabaseCli(build, ['events:dead-letters', 'discard', 'positions/poison-1'], io, CLI_COMMANDS),
      2,
    );
    assert.equal(
      await runDatabaseCli(
        build,
        ['events:dead-letters', 'discard', 'positions/poison-1', '--reason', 'test poison', '--by', 'drill'],
        io,
        CLI_COMMANDS,
      ),
      0,
      lines.join('\n'),
    );
    assert.deepEqual(await runtime.deadLetters.list(), []);
    const [kept] = await runtime.deadLetters.list(true);
    assert.equal(kept.discardedBy, 'drill');
    assert.match(kept.reason, /discarded: test poison/);
  });

  it('Postgres down alone: the consumer holds its events, never dead-letters them, and applies each once when it is back', async () => {
    await cluster.stop('primary', 'immediate');
    await app.until('no writer', () => app.get(DatabaseService).currentMode !== 'normal');
    const nc = await connect({ servers: nats.url, timeout: 2000 });
    try {
      const js = jetstream(nc);
      for (let seq = 1; seq <= 3; seq++) {
        const id = `00000000-0000-5000-8000-${String(seq).padStart(12, 'd')}`;
        const order = {
          ...limitOrder(`pgdown-${seq}`),
          id,
          owner: 'pg-down',
          status: 'new',
          createdAt: '2026-12-03T00:00:00.000Z',
        };
        const event = {
          id: `pgdown-${seq}`,
          stream: `order:${id}`,
          seq: 1,
          type: 'order.created',
          occurredAt: '2026-12-03T00:00:00.000000Z',
          commandKey: `pg-down/pgdown-${seq}`,
          data: { order },
        };
        await js.publish(`events.order.${id}`, JSON.stringify(event), { msgID: event.id });
      }
    } finally {
      await nc.close();
    }
    // Delivered well past EVENTS_CONSUMER_MAX_DELIVER (3, every EVENTS_CONSUMER_RETRY_MS) while Postgres is away.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await cluster.start('primary');
    await app.until('a writer again', () => app.get(DatabaseService).currentMode === 'normal', 30_000);
    const client = new pg.Client({ connectionString: cluster.primary.url });
    await client.connect();
    try {
      const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0].n);
      await waitFor(
        'the three applied',
        async () => (await count(`SELECT count(*) AS n FROM event_inbox WHERE event_id LIKE 'pgdown-%'`)) === 3,
        30_000,
      );
      assert.equal(await count(`SELECT count(*) AS n FROM event_dead_letter WHERE event_id LIKE 'pgdown-%'`), 0);
      const [row] = (
        await client.query<{ n: number }>(`SELECT open_orders AS n FROM order_positions WHERE owner = 'pg-down'`)
      ).rows;
      assert.equal(Number(row.n), 3, 'each applied once');
    } finally {
      await client.end();
    }
  });

  it('the positions projection equals a recomputation from Postgres, each event applied once', async () => {
    const brokered = (await brokerEvents(nats.url)).filter((e) => !e.id.startsWith('poison-'));
    const client = new pg.Client({ connectionString: cluster.primary.url });
    await client.connect();
    try {
      const live = await client.query<{ symbol: string; buy: string; sell: string; n: string }>(
        `SELECT symbol, sum(CASE WHEN side = 'buy' THEN quantity ELSE 0 END) AS buy,
           sum(CASE WHEN side = 'sell' THEN quantity ELSE 0 END) AS sell, count(*) AS n
         FROM orders WHERE owner = 'anonymous' AND status <> 'cancelled' AND client_order_id <> 'dl-1'
         GROUP BY symbol ORDER BY symbol`,
      );
      const expected = live.rows.map((r) => ({
        symbol: r.symbol,
        openBuy: Number(r.buy),
        openSell: Number(r.sell),
        openOrders: Number(r.n),
      }));
      await waitFor(
        'the projection caught up',
        async () => JSON.stringify(await positions()) === JSON.stringify(expected),
        30_000,
      );
      const inbox = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM event_inbox WHERE consumer = 'positions'`,
      );
      // The two poison events are in the inbox too: one dead-lettered, one applied (a type it ignores).
      assert.equal(Number(inbox.rows[0].n), brokered.length + 2);
    } finally {
      await client.end();
    }
  });

  it('counts per family each event the broker took, once, and the publishes the frozen broker let time out', async () => {
    // Those the relay published: not the ones tests above put on the broker themselves.
    const relayed = (await brokerEvents(nats.url)).filter((e) => !/^(poison|pgdown)-/.test(e.id));
    assert.ok(relayed.length > 0);
    const res = await app.request({ url: '/metrics', headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(res.statusCode, 200, res.body);
    const counter = (name: string) =>
      Number(new RegExp(`^${name}\\{family="order"\\} (\\d+)$`, 'm').exec(res.body)?.[1] ?? 0);
    const [published, duplicates] = [counter('events_published_total'), counter('events_redelivered_total')];
    // A publish whose PubAck the killed broker never sent is a failure, then a duplicate when sent again.
    assert.ok(published <= relayed.length, `published ${published}, in the broker ${relayed.length}`);
    assert.ok(relayed.length <= published + duplicates, `${published} + ${duplicates} duplicates < ${relayed.length}`);
    assert.ok(counter('events_publish_failures_total') > 0, 'the rounds the frozen broker timed out');
  });

  it('an intake-only instance (EVENTS_RELAY_ENABLED=false) takes orders, counts the backlog and relays nothing', async () => {
    const intake = await InProcessApp.start({
      ...appEnv,
      EVENTS_RELAY_ENABLED: 'false',
      EVENTS_CONSUMERS_ENABLED: 'false',
    });
    const relay = app.get(EventsRuntime).relay!;
    try {
      await intake.until('a writer', () => intake.get(DatabaseService).currentMode === 'normal');
      relay.stop();
      const before = (await brokerEvents(nats.url)).length;
      for (let i = 0; i < 5; i++) {
        const r = await intake.request({ method: 'POST', url: '/orders', payload: limitOrder(`intake-${i}`) });
        assert.equal(r.statusCode, 201, r.body);
      }
      await waitFor('the backlog counted', async () => intake.get(EventsRuntime).relayStats()!.pending === 5, 5_000);
      assert.equal(intake.get(EventsRuntime).relayStats()!.relaying, false);
      assert.equal((await brokerEvents(nats.url)).length, before, 'nothing relayed by the intake-only instance');
      relay.start();
      await waitFor('relayed by the other', async () => (await brokerEvents(nats.url)).length === before + 5, 10_000);
      assertStreamsWhole(await brokerEvents(nats.url));
    } finally {
      relay.start();
      await intake.close();
    }
  });
});

describe('order events on the embedded SQLite store', () => {
  let nats: NatsServer;
  let app: InProcessApp;

  before(async () => {
    nats = await NatsServer.start();
    app = await InProcessApp.start({ EVENTS_NATS_URL: nats.url, EVENTS_RELAY_INTERVAL_MS: '20' });
  });

  after(async () => {
    await app?.close();
    await nats?.destroy();
  });

  it('creates and cancels emit their events, numbered per order, and the projection follows', async () => {
    const created = await app.request({ method: 'POST', url: '/orders', payload: limitOrder('e-1', { quantity: 2 }) });
    assert.equal(created.statusCode, 201);
    const { id } = created.json<{ id: string }>();
    await app.request({ method: 'POST', url: '/orders', payload: limitOrder('e-2', { side: 'sell' }) });
    // The same key again: no second event.
    assert.equal(
      (await app.request({ method: 'POST', url: '/orders', payload: limitOrder('e-2', { side: 'sell' }) })).statusCode,
      200,
    );
    assert.equal((await app.request({ method: 'POST', url: `/orders/${id}/cancel` })).statusCode, 200);
    await waitFor('three events', async () => (await brokerEvents(nats.url)).length === 3, 10_000);
    const streams = assertStreamsWhole(await brokerEvents(nats.url));
    assert.deepEqual(
      streams.get(`order:${id}`)!.map((e) => e.type),
      ['order.created', 'order.cancelled'],
    );
    await waitFor(
      'the projection',
      async () =>
        JSON.stringify((await app.request({ url: '/positions' })).json<{ data: unknown[] }>().data) ===
        JSON.stringify([{ symbol: 'AAPL', openBuy: 0, openSell: 1, openOrders: 1 }]),
      10_000,
    );
  });
});

describe('relayed events kept for EVENTS_RETENTION_MS', () => {
  let nats: NatsServer;
  let app: InProcessApp;

  before(async () => {
    nats = await NatsServer.start();
    app = await InProcessApp.start({
      EVENTS_NATS_URL: nats.url,
      EVENTS_RELAY_INTERVAL_MS: '20',
      EVENTS_RETENTION_MS: '1500',
    });
  });

  after(async () => {
    await app?.close();
    await nats?.destroy();
  });

  it('leave the outbox once confirmed, are kept as sent, and are pruned after the retention', async () => {
    const rows = (table: string) =>
      app
        .get(DataSource)
        .query(
          `SELECT id, stream, seq, type${table === 'event_outbox_sent' ? ', published_at' : ''} FROM ${table}`,
        ) as Promise<{ id: string; stream: string; seq: number; type: string; published_at: number | null }[]>;
    const created = await app.request({ method: 'POST', url: '/orders', payload: limitOrder('kept-1') });
    assert.equal(created.statusCode, 201);
    await waitFor('the event relayed', async () => (await brokerEvents(nats.url)).length === 1, 10_000);
    await waitFor('the outbox empty', async () => (await rows('event_outbox')).length === 0, 5_000);
    const [sent] = await rows('event_outbox_sent');
    const [event] = await brokerEvents(nats.url);
    assert.deepEqual([sent.id, sent.stream, Number(sent.seq), sent.type], [event.id, event.stream, 1, 'order.created']);
    assert.ok(Number(sent.published_at) > Date.now() - 10_000, 'stamped with the broker acknowledgement');
    await waitFor('pruned after the retention', async () => (await rows('event_outbox_sent')).length === 0, 10_000);
    assert.equal((await brokerEvents(nats.url)).length, 1, 'the broker keeps its history');
  });
});
