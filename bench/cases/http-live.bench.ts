import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, makeTempDir, removeDir } from '../../test/harness/system.js';
import { loadTest, startServerProcess } from '../lib/http.js';
import type { CaseResult } from '../lib/report.js';
import { interleave } from '../lib/stats.js';
import type { BenchOptions } from '../lib/options.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** GET /health/live through the whole app vs the same route on bare Fastify, each in its own process. */
export async function httpLive(options: BenchOptions): Promise<CaseResult> {
  const cwd = makeTempDir('bench-live');
  const children: ChildProcess[] = [];
  try {
    const [barePort, nestPort, appPort, tscPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const bareUrl = `http://127.0.0.1:${barePort}/health/live`;
    const nestUrl = `http://127.0.0.1:${nestPort}/health/live`;
    const appUrl = `http://127.0.0.1:${appPort}/health/live`;
    const tscUrl = `http://127.0.0.1:${tscPort}/health/live`;
    const appEnv = (port: number) => ({ PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    const bare = await startServerProcess(here('../servers/bare-fastify.js'), [String(barePort)], {}, bareUrl);
    const nest = await startServerProcess(here('../servers/bare-nest.js'), [String(nestPort)], {}, nestUrl);
    // The bundle (what `npm start` runs) and, to tell the bundle's cost from the app's, the tsc build.
    const app = await startServerProcess(here('../../main.bundle.mjs'), [], appEnv(appPort), appUrl, cwd);
    const tsc = await startServerProcess(here('../../src/main.js'), [], appEnv(tscPort), tscUrl, cwd);
    children.push(bare, nest, app, tsc);
    // Warm every server up (JIT, connection setup) before anything is recorded.
    for (const url of [bareUrl, nestUrl, appUrl, tscUrl]) await loadTest(url, 1);
    const samples = await interleave(
      [
        {
          name: 'bare fastify (reference)',
          measure: () => loadTest(bareUrl, options.seconds, { serverPid: bare.pid }),
        },
        { name: 'bare nest', measure: () => loadTest(nestUrl, options.seconds, { serverPid: nest.pid }) },
        { name: 'app /health/live', measure: () => loadTest(appUrl, options.seconds, { serverPid: app.pid }) },
        { name: 'app, tsc build', measure: () => loadTest(tscUrl, options.seconds, { serverPid: tsc.pid }) },
      ],
      options.rounds,
    );
    return {
      case: 'http-live',
      description: 'GET /health/live through the full app vs the same route on bare Nest (bare Fastify shown), wrk',
      unit: 'req/s',
      baseline: 'bare nest',
      target: { contender: 'app /health/live', ratio: 0.9, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    removeDir(cwd);
  }
}
