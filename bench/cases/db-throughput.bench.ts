import pg from 'pg';
import { DataSource } from 'typeorm';
import { join } from 'node:path';
import { DatabaseService } from '../../src/core/database/index.js';
import { MetricsService } from '../../src/core/monitoring/index.js';
import { ORDERS_MIGRATIONS } from '../../src/modules/orders/orders.migrations.js';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { makeTempDir, removeDir, waitFor } from '../../test/harness/system.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, type Sample } from '../lib/stats.js';

const POOL = 10;
const IN_FLIGHT = 32;
const ROWS = 1000;

type Run = (sql: string, params: unknown[]) => Promise<unknown>;

/** Queries per second with IN_FLIGHT callers for `seconds`, on a mix of point reads and a small range scan. */
async function throughput(run: Run, seconds: number): Promise<Sample> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const caller = async (c: number) => {
    for (let i = c; performance.now() < deadline; i += IN_FLIGHT) {
      if (i % 10 === 0) await run('SELECT id, symbol FROM orders ORDER BY created_at DESC, id DESC LIMIT 20', []);
      else await run('SELECT * FROM orders WHERE client_order_id = $1', [`seed-${i % ROWS}`]);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, c) => caller(c)));
  return { value: done / seconds };
}

function config(url: string, sqlitePath: string) {
  return {
    primaryUrl: url, replicaUrls: [], sqlitePath, poolMax: POOL, connectTimeoutMs: 2000, queryTimeoutMs: 5000,
    statementTimeoutMs: 5000, replicaMaxLagMs: 1000, probeIntervalMs: 1000, probeTimeoutMs: 500,
  };
}

/** The failover data source vs raw pg.Pool vs TypeORM DataSource.query, same server, same pool size, same mix. */
export async function dbThroughput(options: BenchOptions): Promise<CaseResult> {
  const cluster = await PostgresCluster.start();
  const dir = makeTempDir('bench-db');
  const metrics = new MetricsService();
  const database = new DatabaseService(config(cluster.primary.url, join(dir, 'app.sqlite')), undefined, metrics);
  const raw = new pg.Pool({ connectionString: cluster.primary.url, max: POOL });
  const typeorm = new DataSource({ type: 'postgres', url: cluster.primary.url, poolSize: POOL });
  try {
    database.registerMigrations(ORDERS_MIGRATIONS);
    database.onApplicationBootstrap();
    await waitFor('normal mode', async () => database.currentMode === 'normal', 20_000, 50);
    await raw.query(`INSERT INTO orders SELECT gen_random_uuid(), 'seed-' || i, 'AAPL', 'buy', 'limit', 1, 10, 'new', now() - i * interval '1 second' FROM generate_series(0, ${ROWS - 1}) i`);
    await typeorm.initialize();
    const ours: Run = (sql, params) => database.read({ kind: 'list', postgres: (db) => db.query(sql, params).then((r) => r.rows), embedded: () => [] });
    const contenders: Array<[string, Run]> = [
      ['raw pg.Pool', (sql, params) => raw.query(sql, params)],
      ['failover data source', ours],
      ['TypeORM DataSource.query', (sql, params) => typeorm.query(sql, params)],
    ];
    for (const [, run] of contenders) await throughput(run, 1);
    const samples = await interleave(contenders.map(([name, run]) => ({ name, measure: () => throughput(run, options.seconds) })), options.rounds);
    return {
      case: 'db-throughput',
      description: `queries/s, ${IN_FLIGHT} callers, pools of ${POOL}, 90% point reads + 10% range scans, one Postgres`,
      unit: 'queries/s',
      baseline: 'raw pg.Pool',
      target: { contender: 'failover data source', ratio: 0.9, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await typeorm.destroy().catch(() => undefined);
    await raw.end();
    await database.onApplicationShutdown();
    cluster.destroy();
    removeDir(dir);
  }
}
