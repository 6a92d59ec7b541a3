import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, makeTempDir, removeDir } from '../../test/harness/system.js';
import { loadTest, startServerProcess } from '../lib/http.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave } from '../lib/stats.js';

/** GET /health/ready (cached, one trivial indicator) vs a bare Nest route in the same app. */
export async function healthReady(options: BenchOptions): Promise<CaseResult> {
  const cwd = makeTempDir('bench-ready');
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await startServerProcess(
      fileURLToPath(new URL('../servers/bench-app.main.js', import.meta.url)),
      [],
      { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn', HEALTH_CACHE_TTL_MS: '1000' },
      `${base}/health/live`,
      cwd,
    );
    for (const path of ['/bench/bare', '/health/ready']) await loadTest(`${base}${path}`, 1);
    const serverPid = child.pid;
    const samples = await interleave(
      [
        { name: 'bare nest route', measure: () => loadTest(`${base}/bench/bare`, options.seconds, { serverPid }) },
        {
          name: '/health/ready (cached)',
          measure: () => loadTest(`${base}/health/ready`, options.seconds, { serverPid }),
        },
      ],
      options.rounds,
    );
    return {
      case: 'health-ready',
      description: 'GET /health/ready, cached, vs a bare route in the same app, wrk',
      unit: 'req/s',
      baseline: 'bare nest route',
      target: { contender: '/health/ready (cached)', ratio: 0.85, direction: 'at-least' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    child?.kill('SIGKILL');
    removeDir(cwd);
  }
}
