import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  AppProcess,
  freePort,
  limitOrder,
  MAIN_ENTRY,
  makeTempDir,
  NatsServer,
  PostgresCluster,
  removeDir,
  waitFor,
} from '../harness/index.js';
import { assertStreamsWhole, brokerEvents } from '../harness/nats-events.js';

// The events drill: three instances take orders and cancels under a steady load, each one relaying
// (one at a time, by the advisory lock) and consuming (the positions projection), while in turn the
// broker is killed and restarted, the relaying instance is SIGKILLed, the primary dies and its
// replica is promoted, and a consuming instance is SIGKILLed mid-batch. At the end every
// acknowledged change has exactly one event in its stream with no gaps, and the projection equals a
// recomputation from Postgres.
const TOKEN = 'events-drill-health-token-0123456789';

class Instance {
  process?: AppProcess;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
    readonly cwd: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = AppProcess.spawn(MAIN_ENTRY, { ...this.env, PORT: String(this.port) }, this.cwd);
    await this.process.ready(30_000);
  }

  async kill(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  /** True when this instance holds the relay lock (its `events_relay_active` gauge). */
  async relaying(): Promise<boolean> {
    const res = await fetch(`${this.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(3000),
    });
    return /^events_relay_active 1$/m.test(await res.text());
  }
}

describe('events drill: 3 instances, broker kill, relayer SIGKILL, failover, consumer SIGKILL', () => {
  const root = makeTempDir('events-drill');
  let cluster: PostgresCluster;
  let nats: NatsServer;
  const instances: Instance[] = [];
  const created = new Map<string, string>(); // clientOrderId -> order id
  const cancelled = new Set<string>(); // order ids whose cancel was acknowledged
  let stopLoad = false;
  let phase = 'steady';
  let load: Promise<void> | undefined;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: true });
    nats = await NatsServer.start();
    for (const name of ['a', 'b', 'c']) {
      const cwd = makeTempDir(`events-drill-${name}`);
      instances.push(
        new Instance(
          name,
          await freePort(),
          {
            HOST: '127.0.0.1',
            NODE_ENV: 'test',
            LOG_LEVEL: 'warn',
            DB_PRIMARY_URL: cluster.primary.url,
            DB_REPLICA_URLS: cluster.replica!.url,
            DB_PROBE_INTERVAL_MS: '200',
            HEALTH_DETAILS_TOKEN: TOKEN,
            EVENTS_NATS_URL: nats.url,
            EVENTS_RELAY_INTERVAL_MS: '20',
            EVENTS_CONSUMER_RETRY_MS: '100',
            EVENTS_CONSUMER_ACK_WAIT_MS: '2000',
          },
          cwd,
        ),
      );
    }
    for (const instance of instances) await instance.start();
  });

  after(async () => {
    stopLoad = true;
    await load;
    for (const instance of instances) {
      await instance.kill();
      removeDir(instance.cwd);
    }
    await nats?.destroy();
    cluster?.destroy();
    removeDir(root);
  });

  /** One order (retried on the next instance until one acknowledges it), and a cancel for every third. */
  async function send(n: number): Promise<void> {
    const clientOrderId = `drill-${n}`;
    for (let attempt = 0; attempt < 60 && !created.has(clientOrderId); attempt++) {
      const instance = instances[(n + attempt) % instances.length];
      try {
        const res = await fetch(`${instance.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(limitOrder(clientOrderId, { quantity: (n % 5) + 1, side: n % 2 ? 'buy' : 'sell' })),
          signal: AbortSignal.timeout(5000),
        });
        if (res.status === 201 || res.status === 200)
          created.set(clientOrderId, ((await res.json()) as { id: string }).id);
        else await new Promise((r) => setTimeout(r, 100));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const id = created.get(clientOrderId);
    if (!id || n % 3 !== 0) return;
    for (let attempt = 0; attempt < 60 && !cancelled.has(id); attempt++) {
      const instance = instances[(n + attempt + 1) % instances.length];
      try {
        const res = await fetch(`${instance.url}/orders/${id}/cancel`, {
          method: 'POST',
          signal: AbortSignal.timeout(5000),
        });
        if (res.status === 200) cancelled.add(id);
        else await new Promise((r) => setTimeout(r, 100));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  it('every acknowledged change has exactly one event, in order, and the projection is exact', async () => {
    let n = 0;
    load = (async () => {
      const workers = Array.from({ length: 4 }, async () => {
        while (!stopLoad) await send(n++);
      });
      await Promise.all(workers);
    })();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(1500);

    phase = 'broker killed';
    await nats.kill();
    await pause(2000);
    await nats.restart();
    await pause(1500);

    phase = 'relayer killed';
    let relayer: Instance | undefined;
    await waitFor('an instance relaying', async () => {
      for (const i of instances) if (i.process && (await i.relaying())) relayer = i;
      return relayer !== undefined;
    });
    await relayer!.kill();
    await pause(1500);
    await relayer!.start();

    phase = 'failover';
    await cluster.stop('primary', 'immediate');
    await cluster.promote();
    await pause(2500);

    phase = 'consumer killed';
    const consumer = instances.find((i) => i !== relayer)!;
    await consumer.kill();
    await pause(1000);
    await consumer.start();
    await pause(1500);

    stopLoad = true;
    await load;
    assert.ok(created.size > 50, `only ${created.size} orders acknowledged`);

    // Each acknowledged create has its event; each acknowledged cancel its second one.
    const expectedTypes = (id: string) =>
      cancelled.has(id) ? ['order.created', 'order.cancelled'] : ['order.created'];
    await waitFor(
      'every acknowledged change in the broker',
      async () => {
        const streams = new Map<string, number>();
        for (const e of await brokerEvents(nats.url)) streams.set(e.stream, (streams.get(e.stream) ?? 0) + 1);
        return [...created.values()].every((id) => streams.get(`order:${id}`) === expectedTypes(id).length);
      },
      60_000,
      500,
    );
    const events = await brokerEvents(nats.url);
    const streams = assertStreamsWhole(events);
    for (const id of created.values())
      assert.deepEqual(
        streams.get(`order:${id}`)?.map((e) => e.type),
        expectedTypes(id),
        `order ${id}`,
      );
    assert.equal(streams.size, created.size, 'a stream for an order no client was told of');

    const client = new pg.Client({ connectionString: cluster.replica!.url });
    await client.connect();
    try {
      const recomputed = async () =>
        (
          await client.query<{ symbol: string; buy: string; sell: string; n: string }>(
            `SELECT symbol, sum(CASE WHEN side = 'buy' THEN quantity ELSE 0 END) AS buy,
               sum(CASE WHEN side = 'sell' THEN quantity ELSE 0 END) AS sell, count(*) AS n
             FROM orders WHERE status <> 'cancelled' GROUP BY owner, symbol ORDER BY owner, symbol`,
          )
        ).rows.map((r) => [r.symbol, Number(r.buy), Number(r.sell), Number(r.n)]);
      const projected = async () =>
        (
          await client.query<{ symbol: string; open_buy: string; open_sell: string; open_orders: number }>(
            'SELECT symbol, open_buy, open_sell, open_orders FROM order_positions WHERE open_orders <> 0 ORDER BY owner, symbol',
          )
        ).rows.map((r) => [r.symbol, Number(r.open_buy), Number(r.open_sell), Number(r.open_orders)]);
      await waitFor(
        'the projection caught up',
        async () => JSON.stringify(await projected()) === JSON.stringify(await recomputed()),
        60_000,
        500,
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}: ${JSON.stringify(await projected())} vs ${JSON.stringify(await recomputed())}`,
        );
      });
      const inbox = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM event_inbox WHERE consumer = 'positions'`,
      );
      assert.equal(Number(inbox.rows[0].n), events.length, 'each event applied once');
      const dead = await client.query<{ n: string }>('SELECT count(*) AS n FROM event_dead_letter');
      assert.equal(Number(dead.rows[0].n), 0);
    } finally {
      await client.end();
    }
    assert.equal(phase, 'consumer killed');
  });
});
