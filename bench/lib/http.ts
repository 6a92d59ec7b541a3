import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Sample } from './stats.js';

const run = promisify(execFile);
const CLOCK_TICKS = 100;

export interface LoadOptions {
  connections?: number;
  /** A wrk Lua script (e.g. one that varies the order body per request) and its arguments. */
  script?: string;
  scriptArgs?: string[];
  /** The server's pid: its CPU share over the run, and its RSS right after it, are reported. */
  serverPid?: number;
}

const PACED_LUA = fileURLToPath(new URL('../../../bench/lua/paced.lua', import.meta.url));

export interface PacedOptions {
  /** Offered load, requests per second, held by bench/lua/paced.lua's schedule (see there for the caveat). */
  rate: number;
  connections?: number;
  /** POST /orders with a new clientOrderId per request, ids starting with this prefix. */
  ordersPrefix?: string;
  serverPid?: number;
}

/** User + system CPU time of a process so far, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory of a process, MB (Linux /proc). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * Requests per second of `url` over `seconds` with `wrk` (C, one thread, keep-alive), so the load
 * generator is not the bottleneck the way a Node client on the same two cores is. Fails on any
 * non-2xx answer or socket error. Reports p50 and p99 latency, the server's CPU share (1.0 = one
 * core) and its resident memory right after the load.
 */
export async function loadTest(url: string, seconds: number, options: LoadOptions = {}): Promise<Sample> {
  const { stdout, cpuShare, rss } = await wrk(url, seconds, options);
  return parseWrkOutput(url, stdout, cpuShare, rss);
}

/**
 * A paced run: `options.rate` requests per second on a fixed schedule (wrk + bench/lua/paced.lua),
 * so latencies are compared at the same offered load rather than each server at its own saturation.
 * The value is the rate achieved (it falls short of the offered rate only if the server could not
 * keep up); extras are p50/p99, CPU, RSS, and the share of sends that left more than 1 ms after
 * their slot with the largest such lag (coordinated omission: see paced.lua).
 */
export async function pacedLoadTest(url: string, seconds: number, options: PacedOptions): Promise<Sample> {
  const scriptArgs = [String(options.rate), ...(options.ordersPrefix ? ['orders', options.ordersPrefix] : [])];
  const { stdout, cpuShare, rss } = await wrk(url, seconds, { ...options, script: PACED_LUA, scriptArgs });
  return parseWrkOutput(url, stdout, cpuShare, rss);
}

async function wrk(
  url: string,
  seconds: number,
  options: LoadOptions,
): Promise<{ stdout: string; cpuShare: number; rss: number }> {
  const args = ['-t1', `-c${options.connections ?? 32}`, `-d${seconds}s`, '--latency'];
  if (options.script) args.push('-s', options.script);
  args.push(url);
  if (options.scriptArgs) args.push('--', ...options.scriptArgs);
  const cpuBefore = options.serverPid ? cpuSeconds(options.serverPid) : 0;
  const { stdout } = await run('wrk', args, { timeout: (seconds + 30) * 1000 });
  const cpuShare = options.serverPid ? (cpuSeconds(options.serverPid) - cpuBefore) / seconds : Number.NaN;
  const rss = options.serverPid ? rssMb(options.serverPid) : Number.NaN;
  return { stdout, cpuShare, rss };
}

/** A sample from wrk's report (--latency), with paced.lua's "late" line when there is one. */
export function parseWrkOutput(url: string, stdout: string, cpuShare: number, rss: number): Sample {
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const failures = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1];
  const paced = /paced: late (\d+) of (\d+), max lag ([\d.]+) ms/.exec(stdout);
  if (!Number.isFinite(rate) || failures > 0 || socketErrors) {
    throw new Error(
      `${url}: ${failures} non-2xx answers${socketErrors ? `, socket errors ${socketErrors}` : ''}\n${stdout}`,
    );
  }
  return {
    value: rate,
    extra: {
      // The "Latency Distribution" lines, e.g. "     50%  230.00us".
      'p50 ms': parseLatencyMs(/^\s+50%\s+([\d.]+\w+)/m.exec(stdout)?.[1]),
      'p99 ms': parseLatencyMs(/^\s+99%\s+([\d.]+\w+)/m.exec(stdout)?.[1]),
      'server cpu': Math.round(cpuShare * 100) / 100,
      'rss MB': Math.round(rss),
      ...(paced && {
        'late %': Math.round((Number(paced[1]) / Number(paced[2])) * 1000) / 10,
        'max lag ms': Number(paced[3]),
      }),
    },
  };
}

function parseLatencyMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  const factor = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  return Number(match[1]) * factor;
}

/** A server under test in its own process, so that it does not share a core with the load generator. */
export async function startServerProcess(
  entry: string,
  args: string[],
  env: Record<string, string>,
  healthUrl: string,
  cwd?: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(healthUrl)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} did not answer ${healthUrl} within 20 s`);
}
