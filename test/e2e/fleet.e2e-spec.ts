import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AppProcess,
  freePort,
  HaproxyServer,
  MAIN_ENTRY,
  makeTempDir,
  PostgresCluster,
  RedisSetup,
  removeDir,
  waitFor,
  limitOrder,
} from '../harness/index.js';

// The fleet drill: three instances behind HAProxy (the service's own deploy/haproxy/haproxy.cfg),
// a Postgres primary and streaming replica, Redis with a replica and Sentinel, all real, under a
// steady stream of POST /orders through HAProxy, with retries of the same clientOrderId. Then, in
// turn: the primary dies, the replica is promoted, the old primary comes back as a primary (split
// brain), one instance is SIGKILLed and restarted (another one too, earlier, while its journal held
// orders), the Redis master dies, and all three instances are restarted one by one with SIGTERM.
const HAPROXY_CFG = join(
  resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..'),
  'deploy/haproxy/haproxy.cfg',
);
const TOKEN = 'fleet-drill-health-token-0123456789';

interface Outcome {
  id: string;
  phase: string;
  status: number;
  retryAfter: string | null;
  error?: string;
}

class Instance {
  process?: AppProcess;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly managementPort: number,
    readonly env: Record<string, string>,
    readonly cwd: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Health, metrics and HAProxy's checks are on the management port, as in Kubernetes. */
  get managementUrl(): string {
    return `http://127.0.0.1:${this.managementPort}`;
  }

  async start(): Promise<void> {
    const env = { ...this.env, PORT: String(this.port), MANAGEMENT_PORT: String(this.managementPort) };
    const process = AppProcess.spawn(MAIN_ENTRY, env, this.cwd);
    this.process = process;
    let exited = false;
    void process.exited.then(() => (exited = true));
    await waitFor(
      `${this.name} to answer /health/live`,
      async () => {
        if (exited) throw new Error(`${this.name} exited during boot:\n${process.output}`);
        return (await fetch(`${this.managementUrl}/health/live`)).status === 200;
      },
      30_000,
    );
  }

  async health(): Promise<{ details: Record<string, Record<string, unknown>> }> {
    const res = await fetch(`${this.managementUrl}/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(5000),
    });
    return (await res.json()) as never;
  }

  async database(): Promise<Record<string, unknown>> {
    return (await this.health()).details.database;
  }
}

describe('the fleet drill', () => {
  const dir = makeTempDir('fleet');
  let cluster: PostgresCluster;
  let redis: RedisSetup;
  let haproxy: HaproxyServer;
  const instances: Instance[] = [];
  const outcomes: Outcome[] = [];
  const firstSent = new Map<string, number>();
  const times: Record<string, number> = {};
  let phase = 'steady';
  let stop = false;
  let load: Promise<void[]>;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: true });
    redis = await RedisSetup.start({ sentinel: true });
    const sentinel = redis.sentinel as { port: number };
    for (let i = 1; i <= 3; i++) {
      const env = {
        LOG_LEVEL: 'warn',
        DB_PRIMARY_URL: cluster.primary.url,
        DB_REPLICA_URLS: cluster.nodeOf('replica').url,
        DB_SQLITE_PATH: join(dir, `app-${i}.sqlite`),
        DB_PROBE_INTERVAL_MS: '250',
        DB_PROBE_TIMEOUT_MS: '300',
        DB_CONNECT_TIMEOUT_MS: '500',
        DB_QUERY_TIMEOUT_MS: '2000',
        DB_STATEMENT_TIMEOUT_MS: '2000',
        REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
        REDIS_SENTINEL_MASTER: RedisSetup.MASTER_NAME,
        HEALTH_DETAILS_TOKEN: TOKEN,
        HEALTH_CHECK_TIMEOUT_MS: '500',
        // HAProxy polls readiness every 500 ms and takes an instance out after 2 misses.
        SHUTDOWN_DELAY_MS: '1500',
        SHUTDOWN_DRAIN_MS: '5000',
      };
      instances.push(new Instance(`app${i}`, await freePort(), await freePort(), env, dir));
    }
    await Promise.all(instances.map((i) => i.start()));
    haproxy = await HaproxyServer.start(
      HAPROXY_CFG,
      instances.map((i) => `127.0.0.1:${i.port}`) as [string, string, string],
      instances.map((i) => i.managementPort),
    );
    await waitFor(
      'HAProxy to see every instance up',
      async () => Object.values(await haproxy.servers()).filter((s) => s === 'UP').length === 3,
      15_000,
    );
    for (const instance of instances)
      await waitFor(
        `${instance.name} in normal mode`,
        async () => (await instance.database()).mode === 'normal',
        20_000,
      );
  });

  after(async () => {
    stop = true;
    await load?.catch(() => undefined);
    await haproxy?.destroy();
    for (const instance of instances) await instance.process?.stop();
    await redis?.destroy();
    cluster?.destroy();
    removeDir(dir);
  });

  async function worker(w: number): Promise<void> {
    let n = 0;
    while (!stop) {
      const sent = [...firstSent.keys()];
      const retry = n % 4 === 3 && sent.length > 0;
      const id = retry ? sent[Math.floor(Math.random() * sent.length)] : `f-${w}-${n}`;
      n += 1;
      if (!firstSent.has(id)) firstSent.set(id, Date.now());
      const current = phase;
      try {
        const res = await fetch(`${haproxy.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(limitOrder(id)),
          signal: AbortSignal.timeout(20_000),
        });
        await res.arrayBuffer();
        outcomes.push({ id, phase: current, status: res.status, retryAfter: res.headers.get('retry-after') });
      } catch (error) {
        outcomes.push({ id, phase: current, status: 0, retryAfter: null, error: (error as Error).message });
      }
    }
  }

  // Lets the load run on: until `count` more requests have been answered.
  const answered = async (count: number) => {
    const target = outcomes.length + count;
    await waitFor(`${count} more answers`, async () => outcomes.length >= target, 30_000, 20);
  };
  const everyInstance = async (
    what: string,
    predicate: (db: Record<string, unknown>, health: Awaited<ReturnType<Instance['health']>>) => boolean,
    timeoutMs = 30_000,
  ) => {
    for (const instance of instances) {
      let last = '';
      try {
        await waitFor(
          `${instance.name}: ${what}`,
          async () => {
            const health = await instance.health();
            last = JSON.stringify(health.details);
            return predicate(health.details.database, health);
          },
          timeoutMs,
          200,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; last health: ${last}`, { cause: error });
      }
    }
  };
  const haproxySeesUp = (name: string) =>
    waitFor(`HAProxy to see ${name} up`, async () => (await haproxy.servers())[name] === 'UP', 15_000, 100);

  it('loses, doubles and fails nothing through a primary kill, a promotion, split brain, instance kills, a Redis failover and a rolling restart', async (t) => {
    load = Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    await answered(300);

    phase = 'primary-killed';
    await cluster.stop('primary', 'immediate');
    times.kill = Date.now();
    await everyInstance('journaling', (db) => db.mode === 'fallback' || db.mode === 'replica-read-only');
    // An instance SIGKILLed while its journal holds acknowledged orders, then restarted on the same file.
    const journaling = instances[2];
    await waitFor(
      'app3 to hold journaled orders',
      async () => Number((await journaling.database()).backlog) > 0,
      15_000,
      50,
    );
    journaling.process?.child.kill('SIGKILL');
    await journaling.process?.exited;
    await journaling.start();
    await haproxySeesUp(journaling.name);
    await answered(200);

    phase = 'promoted';
    await cluster.promote();
    times.promoted = Date.now();
    await everyInstance(
      'the promoted replica as writer, journal replayed',
      (db) => db.writer === 'replica.1' && db.mode === 'normal',
    );

    phase = 'split-brain';
    await cluster.start('primary');
    const oldPrimaryRows = async () =>
      (await cluster.sql('primary', `SELECT client_order_id FROM orders WHERE client_order_id LIKE 'f-%' ORDER BY 1`))
        .split('\n')
        .filter(Boolean);
    const onOldAtRestart = await oldPrimaryRows();
    await everyInstance('the old primary fenced', (_db, health) => health.details['database.primary']?.fenced === true);
    await answered(200);

    phase = 'instance-killed';
    const victim = instances[1];
    victim.process?.child.kill('SIGKILL');
    await victim.process?.exited;
    await waitFor(
      'HAProxy to take the killed instance out',
      async () => (await haproxy.servers())[victim.name] !== 'UP',
      10_000,
      50,
    );
    await victim.start();
    await haproxySeesUp(victim.name);
    await everyInstance('a writer after the restart', (db) => db.writer === 'replica.1' && db.mode === 'normal');

    phase = 'redis-failover';
    await redis.kill(redis.master);
    const replica = redis.replica as { port: number };
    await waitFor(
      'Sentinel to promote the Redis replica',
      async () => (await redis.sentinelMaster())[1] === replica.port,
      30_000,
      250,
    );
    await everyInstance(
      'the cache on the new Redis master',
      (_db, health) =>
        health.details['cache.redis']?.backend === 'redis' &&
        health.details['cache.redis']?.master === `127.0.0.1:${replica.port}`,
      30_000,
    );

    phase = 'rolling';
    for (const instance of instances) {
      instance.process?.child.kill('SIGTERM');
      assert.equal(
        await instance.process?.exit(20_000),
        0,
        `${instance.name} stops cleanly on SIGTERM:\n${instance.process?.output.slice(-2000)}`,
      );
      await instance.start();
      await haproxySeesUp(instance.name);
      await answered(100);
    }
    phase = 'done';
    await answered(200);
    stop = true;
    await load;

    const byPhase = new Map<string, Record<number, number>>();
    for (const o of outcomes) {
      const counts = byPhase.get(o.phase) ?? {};
      counts[o.status] = (counts[o.status] ?? 0) + 1;
      byPhase.set(o.phase, counts);
    }
    t.diagnostic(`answers by phase and status: ${JSON.stringify(Object.fromEntries(byPhase))}`);

    // Every answer was a success, or a 503 that says when to retry; no request failed during the rolling restart.
    const bad = outcomes.filter((o) => !(o.status >= 200 && o.status < 300) && !(o.status === 503 && o.retryAfter));
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} bad answers of ${outcomes.length}`);
    const rollingFailures = outcomes.filter((o) => o.phase === 'rolling' && !(o.status >= 200 && o.status < 300));
    assert.deepEqual(rollingFailures.slice(0, 10), [], `${rollingFailures.length} failed during the rolling restart`);
    assert.ok(outcomes.filter((o) => o.phase === 'rolling').length > 50, 'the rolling restart ran under load');

    // Every journal drained, no dead letter (no clientOrderId was reused with other terms).
    await everyInstance('an empty journal', (db) => db.backlog === 0 && db.mode === 'normal');
    for (const instance of instances) assert.equal((await instance.database()).deadLetters, 0, instance.name);

    // Every acknowledged order in the promoted writer, exactly once.
    const acknowledged = new Set(outcomes.filter((o) => o.status === 200 || o.status === 201).map((o) => o.id));
    const stored = (await cluster.sql('replica', `SELECT client_order_id FROM orders WHERE client_order_id LIKE 'f-%'`))
      .split('\n')
      .filter(Boolean);
    assert.equal(stored.length, new Set(stored).size, 'no order twice');
    const missing = [...acknowledged].filter((id) => !stored.includes(id));
    assert.deepEqual(missing, [], `acknowledged but not stored (${missing.length} of ${acknowledged.size})`);
    assert.ok(acknowledged.size > 200, `a real stream: ${acknowledged.size} orders`);
    assert.ok(
      outcomes.some((o) => o.phase === 'primary-killed' && o.status === 201),
      'orders were taken while no Postgres could write',
    );

    // Nothing reached the old primary once it had been killed: what it holds was all sent before,
    // and it holds nothing more at the end than when it came back.
    const onOld = await oldPrimaryRows();
    const late = onOld.filter((id) => (firstSent.get(id) ?? 0) >= times.kill);
    assert.deepEqual(late, [], 'rows on the old primary sent after it was killed');
    assert.deepEqual(onOld, onOldAtRestart, 'no row written to the old primary after it came back');
  });
});
