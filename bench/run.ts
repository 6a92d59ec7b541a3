import { breakerOverhead } from './cases/breaker-overhead.bench.js';
import { cacheDown, cacheThroughput } from './cases/cache.bench.js';
import { dbFailover } from './cases/db-failover.bench.js';
import { dbCommands, dbThroughput } from './cases/db-throughput.bench.js';
import { healthReady } from './cases/health-ready.bench.js';
import { httpLive } from './cases/http-live.bench.js';
import { metricsScrape } from './cases/metrics-scrape.bench.js';
import { overload } from './cases/overload.bench.js';
import { tracing } from './cases/tracing.bench.js';
import {
  ordersCreate,
  ordersEvents,
  ordersJournaled,
  ordersRead,
  requestContext,
  startup,
} from './cases/orders.bench.js';
import type { BenchOptions } from './lib/options.js';
import { type CaseResult, report } from './lib/report.js';

// `npm run bench [case ...]`: runs the named cases (all by default), prints each table and
// writes it to bench/results/. BENCH_ROUNDS and BENCH_SECONDS override the defaults.
const CASES: Record<string, (options: BenchOptions) => Promise<CaseResult>> = {
  'http-live': httpLive,
  'health-ready': healthReady,
  'metrics-scrape': metricsScrape,
  'breaker-overhead': breakerOverhead,
  'db-throughput': dbThroughput,
  'db-commands': dbCommands,
  'db-failover': dbFailover,
  'cache-throughput': cacheThroughput,
  'cache-down': cacheDown,
  'orders-create': ordersCreate,
  'orders-journaled': ordersJournaled,
  'orders-events': ordersEvents,
  'orders-read': ordersRead,
  'request-context': requestContext,
  startup,
  overload,
  tracing,
};

const options: BenchOptions = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  seconds: Number(process.env.BENCH_SECONDS ?? 3),
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in CASES));
if (unknown.length > 0) {
  console.error(`unknown case(s): ${unknown.join(', ')}; known: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(CASES)) {
  console.log(`\n${report(await CASES[name](options))}`);
}
