import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { databaseMode } from '../../test/harness/health.js';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { freePort, makeTempDir, removeDir, waitFor } from '../../test/harness/system.js';
import { startServerProcess } from '../lib/http.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import type { Sample } from '../lib/stats.js';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('../../main.bundle.mjs', import.meta.url));
const ORDERS_LUA = fileURLToPath(new URL('../../../bench/lua/orders.lua', import.meta.url));
const TOKEN = 'bench-details-token-0123456789';
const CONNECTIONS = Number(process.env.BENCH_OVERLOAD_CONNECTIONS ?? 2048);
const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 30);
const ORDERS_2XX =
  /^http_server_request_duration_seconds_bucket\{method="POST",route="\/orders",status_class="2xx",le="([^"]+)"\} (\d+)$/gm;

/** One probe on a new connection, as a kubelet sends it: ms until the whole answer, or Infinity. */
function probe(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ ms: Number.POSITIVE_INFINITY, status: 0 }));
    req.end();
  });
}

async function scrape(management: string): Promise<{ text: string; buckets: Map<string, number> }> {
  const text = await (await fetch(`${management}/metrics`)).text();
  return { text, buckets: new Map([...text.matchAll(ORDERS_2XX)].map(([, le, n]) => [le, Number(n)])) };
}

const counter = (text: string, pattern: RegExp) =>
  [...text.matchAll(pattern)].reduce((sum, [, value]) => sum + Number(value), 0);

/** p99 of the accepted orders from the service's own histogram (bucket bounds, linear inside one). */
function p99Ms(before: Map<string, number>, after: Map<string, number>): number {
  const les = [...after.keys()].filter((le) => le !== '+Inf').sort((a, b) => Number(a) - Number(b));
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  const target = total * 0.99;
  let lower = 0;
  let below = 0;
  for (const le of les) {
    const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (count >= target) return (lower + ((Number(le) - lower) * (target - below)) / Math.max(1, count - below)) * 1000;
    [lower, below] = [Number(le), count];
  }
  return Number.POSITIVE_INFINITY;
}

const modeOf = async (management: string): Promise<string> => (await databaseMode(management, TOKEN)) ?? 'unknown';

/**
 * The overload drill (issue 21): POST /orders from wrk at BENCH_OVERLOAD_CONNECTIONS (2048) for
 * BENCH_OVERLOAD_SECONDS (30) against a healthy Postgres, far past what the instance serves. It
 * reports shed (503) and accepted (201) orders, the p99 of the accepted (the service's histogram),
 * database mode changes (a 500 ms poll of /health details, and db_failovers_total), and the worst
 * latency of readiness and liveness probes sent every 100 ms, each on a new connection, to the
 * management port. Nothing here asserts; the targets are the issue's (0 mode changes, probes < 1 s).
 */
export async function overload(options: BenchOptions): Promise<CaseResult> {
  const samples: Sample[] = [];
  for (let round = 0; round < options.rounds; round += 1) samples.push(await drill(round));
  return {
    case: 'overload',
    description: `POST /orders, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --timeout 30s, one healthy Postgres, pool of 10, probes on MANAGEMENT_PORT every 100 ms`,
    unit: 'accepted/s',
    baseline: 'app at overload',
    target: [
      { contender: 'app at overload', value: 0, extra: 'mode changes', direction: 'at-most' },
      { contender: 'app at overload', value: 1000, extra: 'worst probe ms', direction: 'at-most' },
    ],
    rounds: options.rounds,
    samples: new Map([['app at overload', samples]]),
  };
}

async function drill(round: number): Promise<Sample> {
  const dir = makeTempDir('bench-overload');
  const cluster = await PostgresCluster.start({ replica: false });
  const [port, managementPort] = [await freePort(), await freePort()];
  const management = `http://127.0.0.1:${managementPort}`;
  const child = await startServerProcess(
    APP,
    [],
    {
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HEALTH_DETAILS_TOKEN: TOKEN,
      DB_PRIMARY_URL: cluster.primary.url,
      DB_POOL_MAX: '10',
      DB_SQLITE_PATH: `${dir}/journal.sqlite`,
    },
    `${management}/health/live`,
    dir,
  );
  try {
    await waitFor('normal mode', async () => (await modeOf(management)) === 'normal', 20_000);
    const before = await scrape(management);
    const modes = [await modeOf(management)];
    let running = true;
    const probes: number[] = [];
    const failed = { '/health/live': 0, '/health/ready': 0 };
    const prober = (async () => {
      for (let i = 0; running; i += 1) {
        const path = i % 2 === 0 ? '/health/ready' : '/health/live';
        const answer = await probe(`${management}${path}`);
        probes.push(answer.ms);
        if (answer.status !== 200) failed[path] += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - answer.ms)));
      }
    })();
    const modePoll = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const mode = await modeOf(management).catch(() => 'unanswered');
        if (mode !== modes.at(-1)) modes.push(mode);
      }
    })();
    const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--timeout', '30s', '--latency', '-s', ORDERS_LUA];
    const { stdout } = await run(
      'wrk',
      [...args, `http://127.0.0.1:${port}/orders`, '--', `o${process.pid}x${round}`],
      {
        timeout: (SECONDS + 60) * 1000,
        maxBuffer: 1 << 20,
      },
    );
    running = false;
    await Promise.all([prober, modePoll]);
    modes.push(await modeOf(management));
    const after = await scrape(management);
    const accepted = [...after.buckets.keys()].length
      ? (after.buckets.get('+Inf') ?? 0) - (before.buckets.get('+Inf') ?? 0)
      : 0;
    const shedPattern = /^http_requests_shed_total\{route="\/orders"\} (\d+)$/gm;
    const failoverPattern = /^db_failovers_total(?:\{[^}]*\})? (\d+)$/gm;
    const shed = counter(after.text, shedPattern) - counter(before.text, shedPattern);
    const failovers = counter(after.text, failoverPattern) - counter(before.text, failoverPattern);
    const modeChanges = modes.filter((mode, i) => i > 0 && mode !== modes[i - 1]).length;
    const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1] ?? 'none';
    console.log(`overload round ${round}: modes ${modes.join(' -> ')}; wrk socket errors: ${socketErrors}`);
    return {
      value: accepted / SECONDS,
      extra: {
        accepted,
        shed,
        'shed %': Math.round((shed / Math.max(1, shed + accepted)) * 1000) / 10,
        'accepted p99 ms': Math.round(p99Ms(before.buckets, after.buckets) * 10) / 10,
        'wrk p99 ms (all)': parseMs(/^\s+99%\s+([\d.]+\w+)/m.exec(stdout)?.[1]),
        'mode changes': modeChanges + failovers,
        'worst probe ms': Math.round(Math.max(...probes) * 10) / 10,
        'live failed': failed['/health/live'],
        'ready failed': failed['/health/ready'],
        probes: probes.length,
        'final limit': counter(after.text, /^http_concurrency_limit (\d+)$/gm),
      },
    };
  } finally {
    child.kill('SIGKILL');
    cluster.destroy();
    removeDir(dir);
  }
}

function parseMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
}
