import assert from 'node:assert/strict';
import { Gauge, Registry } from 'prom-client';
import { after, before, describe, it } from 'node:test';
import { InfluxPusher } from '../../src/core/monitoring/index.js';
import { AppProcess, InfluxServer, MAIN_ENTRY, freePort, makeTempDir, removeDir, waitFor } from '../harness/index.js';

interface HealthBody {
  status: string;
  details: Record<string, { status: string }>;
}

interface InfluxResult {
  results: Array<{ series?: Array<{ values: Array<[string, number]> }> }>;
}

async function countPoints(influx: InfluxServer, db: string, measurement: string): Promise<number> {
  const result = (await influx.query(`SELECT count(value) FROM "${measurement}"`, db)) as InfluxResult;
  return result.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

describe('InfluxDB push against a real InfluxDB 1.x', () => {
  let influx: InfluxServer;
  before(async () => {
    influx = await InfluxServer.start();
  });
  after(async () => influx?.destroy());

  it('creates the database and lands every point; across a kill and restart it loses no more than the buffer bound', async () => {
    const registry = new Registry();
    const gauge = new Gauge({
      name: 'pusher_probe',
      help: 'one series, so one point per cycle',
      registers: [registry],
    });
    let now = 1_700_000_000_000;
    const pusher = new InfluxPusher(
      { url: influx.url, database: 'pushtest', flushIntervalMs: 1000, bufferMaxPoints: 5, requestTimeoutMs: 1000 },
      registry,
      () => (now += 1000),
    );
    gauge.set(1);
    // Each cycle collects one point, then flushes what it holds. Until a flush lands it keeps them:
    // the first write meets "database not found" and creates it, and InfluxDB may take a moment more.
    const untilSent = async (): Promise<number> => {
      for (let cycles = 1; cycles <= 20; cycles++) if ((await pusher.cycle()) === 'sent') return cycles;
      throw new Error('no flush landed in 20 cycles');
    };
    const first = await untilSent();
    assert.ok(first >= 2, 'the first write created the database');
    assert.equal(await countPoints(influx, 'pushtest', 'pusher_probe'), first, 'every point collected landed');

    await influx.kill();
    for (let i = 0; i < 8; i++) assert.equal(await pusher.cycle(), 'failed');
    assert.equal(pusher.stats.buffered, 5);
    assert.equal(pusher.stats.dropped, 3, 'exactly the points beyond the bound');

    await influx.restart();
    // Each cycle until one lands collects one more point: the newest 5 are kept, the rest dropped and counted.
    const after = await untilSent();
    assert.equal(await countPoints(influx, 'pushtest', 'pusher_probe'), first + 5);
    assert.equal(pusher.stats.dropped, 3 + after);
    assert.equal(pusher.stats.buffered, 0);
  });

  it('the service pushes its metrics on an interval and reports influxdb in /health', async () => {
    const cwd = makeTempDir('influx-app');
    const token = 'influx-e2e-token-0123456789abcdef';
    const app = AppProcess.spawn(
      MAIN_ENTRY,
      {
        PORT: String(await freePort()),
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: 'service',
        INFLUX_FLUSH_INTERVAL_MS: '200',
        HEALTH_DETAILS_TOKEN: token,
        HEALTH_CACHE_TTL_MS: '0',
        LOG_LEVEL: 'warn',
      },
      cwd,
    );
    try {
      await app.ready();
      await waitFor(
        'process metrics in InfluxDB',
        async () => (await countPoints(influx, 'service', 'process_cpu_user_seconds_total')) > 0,
      );
      const health = (await (
        await fetch(`${app.url}/health`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as HealthBody;
      assert.equal(health.details.influxdb.status, 'up');

      await influx.kill();
      const down = await fetch(`${app.url}/health`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(down.status, 200, 'InfluxDB is not critical');
      const body = (await down.json()) as HealthBody;
      assert.equal(body.details.influxdb.status, 'down');
      assert.equal(body.status, 'degraded');
      assert.equal((await fetch(`${app.url}/health/ready`)).status, 200);
      await influx.restart();
    } finally {
      await app.stop();
      removeDir(cwd);
    }
  });
});
