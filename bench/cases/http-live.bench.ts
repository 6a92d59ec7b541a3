import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PostgresCluster } from '../../test/harness/postgres.js';
import { RedisSetup } from '../../test/harness/redis.js';
import { freePort, makeTempDir, removeDir } from '../../test/harness/system.js';
import { loadTest, pacedLoadTest, startServerProcess } from '../lib/http.js';
import type { CaseResult } from '../lib/report.js';
import { interleave } from '../lib/stats.js';
import type { BenchOptions } from '../lib/options.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const PEER = 'stock nest peer (terminus)';
/** Offered load of the paced run: below every contender's saturation here. */
const PACED_LIVE_RATE = Number(process.env.BENCH_PACED_LIVE_RATE ?? 10_000);

/**
 * GET /health/live through the whole app vs the same route on bare Nest (bare Fastify shown) and on
 * the stock Nest peer (Terminus), each in its own process; then bare Nest, the peer and the app at
 * one fixed offered load, for latency. The app and the peer run with Postgres and Redis configured,
 * as they would live (the route touches neither).
 */
export async function httpLive(options: BenchOptions): Promise<CaseResult> {
  const cwd = makeTempDir('bench-live');
  const children: ChildProcess[] = [];
  const cluster = await PostgresCluster.start({ replica: false });
  const redis = await RedisSetup.start();
  try {
    const [barePort, nestPort, peerPort, appPort, tscPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const bareUrl = `http://127.0.0.1:${barePort}/health/live`;
    const nestUrl = `http://127.0.0.1:${nestPort}/health/live`;
    const peerUrl = `http://127.0.0.1:${peerPort}/health/live`;
    const appUrl = `http://127.0.0.1:${appPort}/health/live`;
    const tscUrl = `http://127.0.0.1:${tscPort}/health/live`;
    const appEnv = (port: number) => ({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DB_PRIMARY_URL: cluster.primary.url,
      REDIS_URL: redis.master.url,
    });
    const bare = await startServerProcess(here('../servers/bare-fastify.js'), [String(barePort)], {}, bareUrl);
    const nest = await startServerProcess(here('../servers/bare-nest.js'), [String(nestPort)], {}, nestUrl);
    // The bundle (what `npm start` runs) and, to tell the bundle's cost from the app's, the tsc build.
    const app = await startServerProcess(here('../../main.bundle.mjs'), [], appEnv(appPort), appUrl, cwd);
    const tsc = await startServerProcess(here('../../src/main.js'), [], appEnv(tscPort), tscUrl, cwd);
    const peer = await startServerProcess(
      here('../servers/stock-peer/stock-peer.main.js'),
      [String(peerPort), cluster.primary.url, '10', redis.master.url],
      {},
      peerUrl,
      cwd,
    );
    children.push(bare, nest, app, tsc, peer);
    // Warm every server up (JIT, connection setup) before anything is recorded.
    for (const url of [bareUrl, nestUrl, peerUrl, appUrl, tscUrl]) await loadTest(url, 1);
    const samples = await interleave(
      [
        {
          name: 'bare fastify (reference)',
          measure: () => loadTest(bareUrl, options.seconds, { serverPid: bare.pid }),
        },
        { name: 'bare nest', measure: () => loadTest(nestUrl, options.seconds, { serverPid: nest.pid }) },
        { name: PEER, measure: () => loadTest(peerUrl, options.seconds, { serverPid: peer.pid }) },
        { name: 'app /health/live', measure: () => loadTest(appUrl, options.seconds, { serverPid: app.pid }) },
        { name: 'app, tsc build', measure: () => loadTest(tscUrl, options.seconds, { serverPid: tsc.pid }) },
      ],
      options.rounds,
    );
    const paced = await interleave(
      (
        [
          ['bare nest', nestUrl, nest],
          [PEER, peerUrl, peer],
          ['app /health/live', appUrl, app],
        ] as const
      ).map(([name, url, child]) => ({
        name,
        measure: () => pacedLoadTest(url, options.seconds, { rate: PACED_LIVE_RATE, serverPid: child.pid }),
      })),
      options.rounds,
    );
    return {
      case: 'http-live',
      description:
        'GET /health/live through the full app vs the same route on bare Nest and on the stock Nest peer (bare Fastify shown), wrk',
      unit: 'req/s',
      baseline: 'bare nest',
      reference: PEER,
      target: [
        { contender: 'app /health/live', ratio: 0.9, direction: 'at-least' },
        { contender: 'app /health/live', ratio: 1, against: PEER, direction: 'at-least' },
      ],
      rounds: options.rounds,
      samples,
      paced: {
        description: 'wrk -t1 -c32 paced by bench/lua/paced.lua (a fixed schedule; see there for coordinated omission)',
        rate: PACED_LIVE_RATE,
        samples: paced,
      },
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await redis.destroy();
    await cluster.destroy();
    removeDir(cwd);
  }
}
