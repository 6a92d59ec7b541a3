import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import type { Sample } from './stats.js';

/** Requests per second (and p99 latency) of `url` over `seconds`, keep-alive, `connections` at once. */
export async function loadTest(url: string, seconds: number, connections = 32): Promise<Sample> {
  const result = await autocannon({ url, duration: seconds, connections, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return { value: result.requests.average, extra: { 'p99 ms': result.latency.p99 } };
}

/** A server under test in its own process, so that it does not share a core with the load generator. */
export async function startServerProcess(
  entry: string,
  args: string[],
  env: Record<string, string>,
  healthUrl: string,
  cwd?: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(healthUrl)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} did not answer ${healthUrl} within 20 s`);
}
