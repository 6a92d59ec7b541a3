import { getDataSourceToken } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseService } from '../../src/core/database/index.js';
import { OrderEntity } from '../../src/modules/orders/order.entity.js';
import { orderIdFor } from '../../src/modules/orders/order.model.js';
import { createOrder } from '../../src/modules/orders/orders.handlers.js';
import { InProcessApp } from '../../test/harness/app-in-process.js';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { RAW_ORDER_INSERT, rawOrderValues } from '../lib/raw-order-insert.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, type Sample } from '../lib/stats.js';

const POOL = 10;
const IN_FLIGHT = 32;
const ROWS = 1000;

/** Operations per second with IN_FLIGHT callers for `seconds`; `op(i)` is the i-th operation. */
async function throughput(op: (i: number) => Promise<unknown>, seconds: number): Promise<Sample> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const caller = async (c: number) => {
    for (let i = c; performance.now() < deadline; i += IN_FLIGHT) {
      await op(i);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, c) => caller(c)));
  return { value: done / seconds };
}

/** Warms every contender up, then measures them in interleaved rounds. */
async function race(contenders: Array<[string, (i: number) => Promise<unknown>]>, options: BenchOptions) {
  for (const [, op] of contenders) await throughput(op, 1);
  return interleave(
    contenders.map(([name, op]) => ({ name, measure: () => throughput(op, options.seconds) })),
    options.rounds,
  );
}

interface Setup {
  cluster: PostgresCluster;
  app: InProcessApp;
  raw: pg.Pool;
  stock: DataSource;
}

/** The app on a real Postgres (pool of POOL), a raw pg.Pool and a stock TypeORM DataSource of the same size. */
async function setup(): Promise<Setup> {
  const cluster = await PostgresCluster.start({ replica: false });
  const app = await InProcessApp.start({
    DB_PRIMARY_URL: cluster.primary.url,
    DB_POOL_MAX: String(POOL),
    LOG_LEVEL: 'fatal',
    DB_QUERY_TIMEOUT_MS: '5000',
    DB_STATEMENT_TIMEOUT_MS: '5000',
  });
  await app.until('normal mode', () => app.get(DatabaseService).currentMode === 'normal', 20_000);
  const raw = new pg.Pool({ connectionString: cluster.primary.url, max: POOL });
  await raw.query(
    `INSERT INTO orders SELECT gen_random_uuid()::text, 'seed-' || i, 'AAPL', 'buy', 'limit', 1, 10, 'new', to_char(now() - i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM generate_series(0, ${ROWS - 1}) i`,
  );
  const stock = await new DataSource({
    type: 'postgres',
    url: cluster.primary.url,
    poolSize: POOL,
    entities: [OrderEntity],
  }).initialize();
  return { cluster, app, raw, stock };
}

async function teardown({ cluster, app, raw, stock }: Setup): Promise<void> {
  await stock.destroy().catch(() => undefined);
  await raw.end();
  await app.close();
  cluster.destroy();
}

/** repository.findOneBy on the routed DataSource vs a stock TypeORM DataSource vs raw pg, same server and pool size. */
export async function dbThroughput(options: BenchOptions): Promise<CaseResult> {
  const s = await setup();
  try {
    const routed = s.app.app.get<DataSource>(getDataSourceToken()).getRepository(OrderEntity);
    const stock = s.stock.getRepository(OrderEntity);
    const contenders: Array<[string, (i: number) => Promise<unknown>]> = [
      ['raw pg.Pool', (i) => s.raw.query('SELECT * FROM orders WHERE client_order_id = $1', [`seed-${i % ROWS}`])],
      ['stock TypeORM findOneBy', (i) => stock.findOneBy({ clientOrderId: `seed-${i % ROWS}` })],
      ['routed TypeORM findOneBy', (i) => routed.findOneBy({ clientOrderId: `seed-${i % ROWS}` })],
    ];
    const samples = await race(contenders, options);
    return {
      case: 'db-throughput',
      description: `point reads/s by unique key, ${IN_FLIGHT} callers, pools of ${POOL}, one Postgres`,
      unit: 'reads/s',
      baseline: 'stock TypeORM findOneBy',
      target: { contender: 'routed TypeORM findOneBy', ratio: 0.97, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await teardown(s);
  }
}

/**
 * Create-order commands (a transaction on the writer, idempotent insert) vs a raw INSERT ... ON CONFLICT on pg.Pool.
 */
export async function dbCommands(options: BenchOptions): Promise<CaseResult> {
  const s = await setup();
  try {
    const database = s.app.get(DatabaseService);
    let n = 0;
    const order = (prefix: string) => {
      const clientOrderId = `${prefix}-${n++}`;
      return {
        id: orderIdFor(clientOrderId, 'bench'),
        clientOrderId,
        symbol: 'AAPL',
        side: 'buy' as const,
        type: 'limit' as const,
        quantity: 1,
        limitPrice: 10,
        createdAt: new Date().toISOString(),
        owner: 'bench',
      };
    };
    const contenders: Array<[string, (i: number) => Promise<unknown>]> = [
      [
        'raw INSERT ON CONFLICT',
        () => {
          return s.raw.query(RAW_ORDER_INSERT, rawOrderValues(order('raw')));
        },
      ],
      [
        'create-order command',
        () => {
          const o = order('cmd');
          return database.write(createOrder, o, { key: o.clientOrderId, entityId: o.id });
        },
      ],
    ];
    const samples = await race(contenders, options);
    return {
      case: 'db-commands',
      description: `order inserts/s, ${IN_FLIGHT} callers, pools of ${POOL}, one Postgres; the command is routed, idempotent and timed`,
      unit: 'inserts/s',
      baseline: 'raw INSERT ON CONFLICT',
      target: { contender: 'create-order command', ratio: 0.85, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await teardown(s);
  }
}
