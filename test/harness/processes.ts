import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';

const live = new Set<ChildProcess>();

/** Spawns a server in the foreground of a child process, its output appended to `logFile`. */
export function spawnServer(command: string, args: string[], logFile: string, cwd?: string): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, stdio: ['ignore', out, out] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills a child and waits for it to exit (SIGKILL after `graceMs`). */
export async function killProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
