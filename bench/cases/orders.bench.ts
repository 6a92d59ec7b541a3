import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { RedisSetup } from '../../test/harness/redis.js';
import { NatsServer } from '../../test/harness/nats.js';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort, makeTempDir, removeDir, waitFor } from '../../test/harness/system.js';
import { databaseMode } from '../../test/harness/health.js';
import { loadTest, pacedLoadTest, rssMb, startServerProcess } from '../lib/http.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, type Sample } from '../lib/stats.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// The bundle: what `npm start` runs.
const APP = here('../../main.bundle.mjs');
// The tsc build, for a case whose other contender is a tsc-built variant of the app.
const APP_TSC = here('../../src/main.js');
const BARE = here('../servers/bare-orders.js');
const BARE_NEST = here('../servers/bare-nest.js');
const NO_REQUEST_CONTEXT = here('../servers/no-request-context.main.js');
// The stock Nest peer: the same service as a team writes it from the docs (see its header).
const PEER = here('../servers/stock-peer/stock-peer.main.js');
const PEER_CREATE = 'stock nest peer';
const PEER_READ = 'stock nest peer (cached)';
const ORDERS_LUA = fileURLToPath(new URL('../../../bench/lua/orders.lua', import.meta.url));
const TOKEN = 'bench-details-token-0123456789';
const POOL = '10';
const RELAYING = 'app POST /orders, events on (relaying)';
const INTAKE_ONLY = 'app POST /orders, events on (the relay in another instance)';
/** Offered load of the paced orders-create run: well below every contender's saturation here. */
const PACED_CREATE_RATE = Number(process.env.BENCH_PACED_CREATE_RATE ?? 1500);

/** Servers started for a case, killed and removed at the end whatever happens. */
class Stage {
  readonly dir = makeTempDir('bench-orders');
  private readonly children: ChildProcess[] = [];
  private readonly cleanups: Array<() => unknown> = [];

  /** Starts `entry`; `args` get the port (the bare servers take it as an argument, the app from PORT). */
  async server(
    entry: string,
    args: (port: number) => string[],
    env: Record<string, string>,
  ): Promise<{ url: string; pid: number }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = await startServerProcess(
      entry,
      args(port),
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HEALTH_DETAILS_TOKEN: TOKEN,
        ...env,
      },
      `${url}/health/live`,
      this.dir,
    );
    this.children.push(child);
    return { url, pid: child.pid as number };
  }

  onEnd(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  async postgres(): Promise<PostgresCluster> {
    const cluster = await PostgresCluster.start({ replica: false });
    this.onEnd(() => cluster.destroy());
    return cluster;
  }

  async redis(): Promise<RedisSetup> {
    const redis = await RedisSetup.start();
    this.onEnd(() => redis.destroy());
    return redis;
  }

  async end(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    removeDir(this.dir);
  }
}

const mode = (url: string) => databaseMode(url, TOKEN);

let round = 0;
const post = (url: string, pid: number, seconds: number) =>
  loadTest(`${url}/orders`, seconds, {
    script: ORDERS_LUA,
    scriptArgs: [`r${process.pid}x${round++}`],
    serverPid: pid,
  });

const postPaced = (url: string, pid: number, seconds: number) =>
  pacedLoadTest(`${url}/orders`, seconds, {
    rate: PACED_CREATE_RATE,
    ordersPrefix: `p${process.pid}x${round++}`,
    serverPid: pid,
  });

async function race(contenders: Array<[string, (seconds: number) => Promise<Sample>]>, options: BenchOptions) {
  for (const [, measure] of contenders) await measure(1);
  return interleave(
    contenders.map(([name, measure]) => ({ name, measure: () => measure(options.seconds) })),
    options.rounds,
  );
}

/**
 * POST /orders on a real Postgres: the app vs bare Fastify + pg.Pool doing the same INSERT (the
 * floor) and vs the stock Nest peer (TypeORM repository insert orIgnore), same pool size; then the
 * three at one fixed offered load, for latency.
 */
export async function ordersCreate(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    // Redis only because the peer's CacheModule needs one to boot; no POST touches it.
    const [cluster, redis] = [await stage.postgres(), await stage.redis()];
    const app = await stage.server(APP, () => [], { DB_PRIMARY_URL: cluster.primary.url, DB_POOL_MAX: POOL });
    await waitFor('normal mode', async () => (await mode(app.url)) === 'normal', 20_000);
    const bare = await stage.server(BARE, (port) => ['pg', String(port), cluster.primary.url, POOL], {});
    const peer = await stage.server(PEER, (port) => [String(port), cluster.primary.url, POOL, redis.master.url], {});
    const contenders: Array<[string, { url: string; pid: number }]> = [
      ['bare fastify + pg.Pool', bare],
      [PEER_CREATE, peer],
      ['app POST /orders', app],
    ];
    const samples = await race(
      contenders.map(([name, server]) => [name, (s) => post(server.url, server.pid, s)]),
      options,
    );
    const paced = await interleave(
      contenders.map(([name, server]) => ({ name, measure: () => postPaced(server.url, server.pid, options.seconds) })),
      options.rounds,
    );
    return {
      case: 'orders-create',
      description: 'POST /orders, distinct clientOrderIds, one Postgres, pools of 10, wrk -t1 -c32',
      unit: 'req/s',
      baseline: 'bare fastify + pg.Pool',
      reference: PEER_CREATE,
      target: [
        { contender: 'app POST /orders', ratio: 0.85, direction: 'at-least' },
        { contender: 'app POST /orders', ratio: 1, against: PEER_CREATE, direction: 'at-least' },
      ],
      rounds: options.rounds,
      samples,
      paced: {
        description: 'wrk -t1 -c32 paced by bench/lua/paced.lua (a fixed schedule; see there for coordinated omission)',
        rate: PACED_CREATE_RATE,
        samples: paced,
      },
    };
  } finally {
    await stage.end();
  }
}

/**
 * POST /orders with events on (outbox row in the order's transaction, the relay to a real NATS
 * JetStream and the positions consumer running in the same process) vs the same app with events
 * off, on one Postgres. Then: the outbox backlog once the load stops, and the end-to-end latency
 * from the order's commit to the consumer's handler (inbox `applied_at` minus the event's `occurredAt`).
 */
export async function ordersEvents(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    const cluster = await stage.postgres();
    const nats = await NatsServer.start();
    stage.onEnd(() => nats.destroy());
    const common = { DB_PRIMARY_URL: cluster.primary.url, DB_POOL_MAX: POOL };
    const off = await stage.server(APP, () => [], common);
    // The measured instance relays; the positions consumer runs in an instance of its own, as a
    // desk's consumers are other services (it still shares these two cores).
    const withEvents = { ...common, EVENTS_NATS_URL: nats.url, EVENTS_CONSUMERS_ENABLED: 'false' };
    const on = await stage.server(APP, () => [], withEvents);
    // What the rest of a fleet pays: an instance that writes its events and leaves the relay to
    // the one holding the lock (here `on`, stopped during its rounds, as if on another machine).
    const intake = await stage.server(APP, () => [], { ...withEvents, EVENTS_RELAY_ENABLED: 'false' });
    for (const app of [off, on, intake])
      await waitFor('normal mode', async () => (await mode(app.url)) === 'normal', 20_000);
    const client = new pg.Client({ connectionString: cluster.primary.url });
    await client.connect();
    const nc = await connect({ servers: nats.url });
    try {
      const count = async (sql: string) => Number((await client.query(sql)).rows[0].n);
      const pending = () => count('SELECT count(*) AS n FROM event_outbox');
      // Every round starts with an empty outbox: no contender is measured while another's events are relayed.
      const drained = () => waitFor('the outbox drained', async () => (await pending()) === 0, 120_000, 50);
      const leftAfterOn: number[] = [];
      const samples = await race(
        [
          ['app POST /orders, events off', (s) => post(off.url, off.pid, s)],
          [
            RELAYING,
            async (s) => {
              const sample = await post(on.url, on.pid, s);
              leftAfterOn.push(await pending());
              await drained();
              return sample;
            },
          ],
          [
            INTAKE_ONLY,
            async (s) => {
              process.kill(on.pid, 'SIGSTOP');
              try {
                return await post(intake.url, intake.pid, s);
              } finally {
                process.kill(on.pid, 'SIGCONT');
                await drained();
              }
            },
          ],
        ],
        options,
      );
      // Then the consumer: it catches up with what intake left, and is measured at a fixed load.
      const jsm = await jetstreamManager(nc);
      const stream = async () => (await jsm.streams.info('EVENTS')).state;
      const applied = () => count(`SELECT count(*) AS n FROM event_inbox WHERE consumer = 'positions'`);
      const consumer = await stage.server(APP, () => [], { ...common, EVENTS_NATS_URL: nats.url });
      await waitFor('normal mode', async () => (await mode(consumer.url)) === 'normal', 20_000);
      const caughtUp = async () => (await applied()) >= (await stream()).messages;
      const backlog = (await stream()).messages;
      const catchUpStarted = Date.now();
      await waitFor('the consumer caught up', caughtUp, 300_000, 200);
      const catchUpMs = Date.now() - catchUpStarted;
      const before = (await stream()).last_seq;
      await postPaced(on.url, on.pid, options.seconds);
      await waitFor('the consumer caught up again', caughtUp, 120_000, 100);
      const after = (await stream()).last_seq;
      const occurred = new Map<string, number>();
      for (let seq = before + 1; seq <= after; seq++) {
        const event = (await jsm.streams.getMessage('EVENTS', { seq }))?.json<{ id: string; occurredAt: string }>();
        if (event) occurred.set(event.id, Date.parse(event.occurredAt));
      }
      const inbox = await client.query<{ event_id: string; applied_at: string }>(
        `SELECT event_id, applied_at FROM event_inbox WHERE consumer = 'positions' AND event_id = ANY($1)`,
        [[...occurred.keys()]],
      );
      const delays = inbox.rows.map((r) => Number(r.applied_at) - occurred.get(r.event_id)!).sort((a, b) => a - b);
      const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? NaN;
      return {
        case: 'orders-events',
        description:
          'POST /orders with events on (the outbox row in the order statement; the relay to NATS JetStream in the instance measured, or in another) vs off, one Postgres, wrk -t1 -c32',
        unit: 'req/s',
        baseline: 'app POST /orders, events off',
        target: [
          { contender: RELAYING, ratio: 0.95, direction: 'at-least' },
          { contender: INTAKE_ONLY, ratio: 0.95, direction: 'at-least' },
        ],
        rounds: options.rounds,
        samples,
        notes: [
          `outbox rows not yet relayed when each relaying round ended: ${leftAfterOn.join(', ')} (the warm-up first)`,
          `${INTAKE_ONLY}: the relaying instance is stopped (SIGSTOP) for the round, as if on another machine, and relays the round's events before the next`,
          `the positions consumer (its own instance, started after the rounds) applied the ${backlog} events of the rounds in ${catchUpMs} ms`,
          `then, at ${PACED_CREATE_RATE} orders/s for ${options.seconds} s: commit to consumer handler, ${delays.length} events: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`,
        ],
      };
    } finally {
      await nc.close();
      await client.end();
    }
  } finally {
    await stage.end();
  }
}

/** POST /orders with Postgres down (journaled, fsync'd) vs bare Fastify + better-sqlite3 with the same group commit. */
export async function ordersJournaled(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    const app = await stage.server(APP, () => [], {
      DB_PRIMARY_URL: `postgres://postgres@127.0.0.1:${await freePort()}/none`,
    });
    const bare = await stage.server(BARE, (port) => ['journal', String(port), join(stage.dir, 'bare.sqlite')], {});
    const samples = await race(
      [
        ['bare fastify + better-sqlite3', (s) => post(bare.url, bare.pid, s)],
        ['app POST /orders (journaled)', (s) => post(app.url, app.pid, s)],
      ],
      options,
    );
    return {
      case: 'orders-journaled',
      description:
        "POST /orders with no Postgres: each order fsync'd (WAL, synchronous=FULL, group commit) before its 201, wrk -t1 -c32",
      unit: 'req/s',
      baseline: 'bare fastify + better-sqlite3',
      target: { contender: 'app POST /orders (journaled)', ratio: 0.85, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await stage.end();
  }
}

/**
 * What request-scoped logs cost: the app as it is vs the same app built with
 * `createApp({ requestContext: false })`, on POST /orders (journaled, so no Postgres noise) and
 * on /health/live (a bare Fastify route the request context skips: it should pay nothing).
 */
export async function requestContext(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    const down = { DB_PRIMARY_URL: `postgres://postgres@127.0.0.1:${await freePort()}/none` };
    const app = await stage.server(APP_TSC, () => [], down);
    const without = await stage.server(NO_REQUEST_CONTEXT, () => [], down);
    const samples = await race(
      [
        ['POST /orders without request context', (s) => post(without.url, without.pid, s)],
        ['POST /orders with request context', (s) => post(app.url, app.pid, s)],
        ['/health/live without', (s) => loadTest(`${without.url}/health/live`, s, { serverPid: without.pid })],
        ['/health/live with', (s) => loadTest(`${app.url}/health/live`, s, { serverPid: app.pid })],
      ],
      options,
    );
    return {
      case: 'request-context',
      description:
        'request-scoped logs on and off (createApp({ requestContext: false })): POST /orders journaled, and /health/live, wrk -t1 -c32',
      unit: 'req/s',
      baseline: 'POST /orders without request context',
      target: { contender: 'POST /orders with request context', ratio: 0.95, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await stage.end();
  }
}

/**
 * GET /orders/:id on a Redis cache hit vs bare Fastify + one raw node-redis GET (the floor), bare
 * Nest doing the same, and the stock Nest peer (cache-manager + Keyv Redis, 30 s TTL).
 */
export async function ordersRead(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    const [cluster, redis] = [await stage.postgres(), await stage.redis()];
    const app = await stage.server(APP, () => [], { DB_PRIMARY_URL: cluster.primary.url, REDIS_URL: redis.master.url });
    await waitFor('normal mode', async () => (await mode(app.url)) === 'normal', 20_000);
    const created = await fetch(`${app.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientOrderId: 'read-1',
        symbol: 'AAPL',
        side: 'buy',
        type: 'limit',
        quantity: 1,
        limitPrice: 100,
      }),
    });
    const order = (await created.json()) as { id: string };
    await fetch(`${app.url}/orders/${order.id}`);
    // The app cached it for 30 s; the bare servers read the same key for the whole case.
    await redis.cli(redis.master.port, 'PERSIST', `tsc:order:${order.id}`);
    const bare = await stage.server(
      BARE,
      (port) => ['redis', String(port), redis.master.url, `tsc:order:${order.id}`],
      {},
    );
    const bareNest = await stage.server(
      BARE_NEST,
      (port) => [String(port), 'redis', redis.master.url, `tsc:order:${order.id}`],
      {},
    );
    const peer = await stage.server(PEER, (port) => [String(port), cluster.primary.url, POOL, redis.master.url], {});
    // Its first read misses and fills its own cache entry; it misses again once per 30 s TTL, as it would live.
    if (!(await fetch(`${peer.url}/orders/${order.id}`)).ok) throw new Error('the peer did not find the order');
    const samples = await race(
      [
        ['bare fastify + redis GET', (s) => loadTest(`${bare.url}/orders/${order.id}`, s, { serverPid: bare.pid })],
        [PEER_READ, (s) => loadTest(`${peer.url}/orders/${order.id}`, s, { serverPid: peer.pid })],
        [
          'bare nest + redis GET',
          (s) => loadTest(`${bareNest.url}/orders/${order.id}`, s, { serverPid: bareNest.pid }),
        ],
        ['app GET /orders/:id (cached)', (s) => loadTest(`${app.url}/orders/${order.id}`, s, { serverPid: app.pid })],
      ],
      options,
    );
    return {
      case: 'orders-read',
      description: 'GET /orders/:id served from the Redis cache, wrk -t1 -c32',
      unit: 'req/s',
      baseline: 'bare fastify + redis GET',
      reference: PEER_READ,
      target: [
        { contender: 'app GET /orders/:id (cached)', ratio: 0.8, direction: 'at-least' },
        { contender: 'app GET /orders/:id (cached)', ratio: 1, against: PEER_READ, direction: 'at-least' },
      ],
      rounds: options.rounds,
      samples,
    };
  } finally {
    await stage.end();
  }
}

/** Process start to readiness, and RSS then: the app with Postgres and Redis configured vs a bare Nest app. */
export async function startup(options: BenchOptions): Promise<CaseResult> {
  const stage = new Stage();
  try {
    const [cluster, redis] = [await stage.postgres(), await stage.redis()];
    const boot = async (
      entry: string,
      args: (port: number) => string[],
      env: Record<string, string>,
      path: string,
    ): Promise<Sample> => {
      const port = await freePort();
      const started = performance.now();
      const child = await startServerProcess(
        entry,
        args(port),
        { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
        `http://127.0.0.1:${port}${path}`,
        stage.dir,
      );
      const ms = performance.now() - started;
      const rss = rssMb(child.pid as number);
      child.kill('SIGKILL');
      return { value: ms, extra: { 'rss MB': Math.round(rss) } };
    };
    const samples = await interleave(
      [
        { name: 'bare nest', measure: () => boot(BARE_NEST, (port) => [String(port)], {}, '/health/live') },
        {
          name: 'app to /health/ready',
          measure: () =>
            boot(APP, () => [], { DB_PRIMARY_URL: cluster.primary.url, REDIS_URL: redis.master.url }, '/health/ready'),
        },
      ],
      options.rounds,
    );
    return {
      case: 'startup',
      description:
        'process start to the first 200 of /health/ready (every module, Postgres and Redis configured), RSS then',
      unit: 'ms',
      baseline: 'bare nest',
      target: { contender: 'app to /health/ready', value: 1000, direction: 'at-most', extra: 'and < 120 MB RSS' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await stage.end();
  }
}
