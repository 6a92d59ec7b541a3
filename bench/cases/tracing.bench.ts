import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { databaseMode } from '../../test/harness/health.js';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { freePort, makeTempDir, removeDir, waitFor } from '../../test/harness/system.js';
import { loadTest, pacedLoadTest, startServerProcess } from '../lib/http.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave } from '../lib/stats.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const APP = here('../../main.bundle.mjs');
const ORDERS_LUA = fileURLToPath(new URL('../../../bench/lua/orders.lua', import.meta.url));
const TOKEN = 'bench-details-token-0123456789';
/**
 * Optional: the bundle of a build from before tracing (`BENCH_TRACING_BASE=/path/main.bundle.mjs`),
 * raced as a fourth orders contender, to show what tracing off costs against no tracing code at all.
 */
const BASE = process.env.BENCH_TRACING_BASE;
/**
 * Offered load of the paced run, below every contender's saturation: the server CPU each spends
 * on the same orders is the cost of tracing, less blurred by whatever else the machine runs.
 */
const PACED_RATE = Number(process.env.BENCH_PACED_TRACING_RATE ?? 1000);

/** A collector that takes every export and answers 200 without decoding it: a local sink. */
async function sink(): Promise<{ url: string; bytes: () => number; server: Server }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: () => bytes, server };
}

/**
 * What tracing costs: POST /orders on a real Postgres and GET /health/live, each on the app with
 * tracing off, on at 10% (parentbased_traceidratio 0.1) and on at 100%, the collector a local
 * sink. Every process is the bundle; the contenders run in turn, round after round.
 */
export async function tracing(options: BenchOptions): Promise<CaseResult> {
  const dir = makeTempDir('bench-tracing');
  const children: ChildProcess[] = [];
  const cluster = await PostgresCluster.start({ replica: false });
  const collector = await sink();
  try {
    const start = async (env: Record<string, string>, entry = APP) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = await startServerProcess(
        entry,
        [],
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          HEALTH_DETAILS_TOKEN: TOKEN,
          DB_PRIMARY_URL: cluster.primary.url,
          DB_POOL_MAX: '10',
          ...env,
        },
        `${url}/health/live`,
        dir,
      );
      children.push(child);
      await waitFor('normal mode', async () => (await databaseMode(url, TOKEN)) === 'normal', 20_000);
      return { url, pid: child.pid as number };
    };
    const traced = (ratio: string) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: ratio,
    });
    const off = await start({});
    const tenth = await start(traced('0.1'));
    const all = await start(traced('1'));
    const base = BASE ? await start({}, BASE) : undefined;
    let round = 0;
    const post = (server: { url: string; pid: number }, seconds: number) =>
      loadTest(`${server.url}/orders`, seconds, {
        script: ORDERS_LUA,
        scriptArgs: [`t${process.pid}x${round++}`],
        serverPid: server.pid,
      });
    const live = (server: { url: string; pid: number }, seconds: number) =>
      loadTest(`${server.url}/health/live`, seconds, { serverPid: server.pid });
    type Contender = [string, (seconds: number) => ReturnType<typeof loadTest>];
    const contenders: Contender[] = [
      ['POST /orders, tracing off', (s) => post(off, s)],
      ['POST /orders, tracing 10%', (s) => post(tenth, s)],
      ['POST /orders, tracing 100%', (s) => post(all, s)],
      ...(base ? [['POST /orders, build before tracing', (s: number) => post(base, s)] satisfies Contender] : []),
      ['/health/live, tracing off', (s) => live(off, s)],
      ['/health/live, tracing 10%', (s) => live(tenth, s)],
    ];
    // Warm-up (JIT, pools) before anything is recorded.
    for (const [, measure] of contenders) await measure(1);
    const samples = await interleave(
      contenders.map(([name, measure]) => ({ name, measure: () => measure(options.seconds) })),
      options.rounds,
    );
    const pacedContenders: Array<[string, { url: string; pid: number }]> = [
      ['POST /orders, tracing off', off],
      ['POST /orders, tracing 10%', tenth],
      ['POST /orders, tracing 100%', all],
      ...(base ? [['POST /orders, build before tracing', base] satisfies [string, { url: string; pid: number }]] : []),
    ];
    const paced = await interleave(
      pacedContenders.map(([name, server]) => ({
        name,
        measure: () =>
          pacedLoadTest(`${server.url}/orders`, options.seconds, {
            rate: PACED_RATE,
            ordersPrefix: `tp${process.pid}x${round++}`,
            serverPid: server.pid,
          }),
      })),
      options.rounds,
    );
    if (collector.bytes() === 0) throw new Error('the sink received no span: tracing was not on');
    return {
      case: 'tracing',
      description:
        'POST /orders (one Postgres, pool 10) and GET /health/live with tracing off, at 10% and at 100% (OTLP/HTTP JSON to a local sink), wrk -t1 -c32',
      unit: 'req/s',
      baseline: 'POST /orders, tracing off',
      target: [
        { contender: 'POST /orders, tracing 10%', ratio: 0.9, direction: 'at-least' },
        {
          contender: '/health/live, tracing 10%',
          ratio: 0.97,
          against: '/health/live, tracing off',
          direction: 'at-least',
        },
      ],
      rounds: options.rounds,
      samples,
      paced: {
        description:
          'POST /orders at one fixed offered load, wrk -t1 -c32 paced by bench/lua/paced.lua: compare the server cpu column',
        rate: PACED_RATE,
        samples: paced,
      },
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await new Promise((resolve) => collector.server.close(resolve));
    collector.server.closeAllConnections();
    await cluster.destroy();
    removeDir(dir);
  }
}
