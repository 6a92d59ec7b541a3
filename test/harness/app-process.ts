import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './system.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The service as `npm start` runs it (the bundle of the compiled build), and the fixture app. */
export const MAIN_ENTRY = `${HERE}../../main.bundle.mjs`;
export const FIXTURE_ENTRY = `${HERE}../fixtures/fixture-app.main.js`;

/**
 * The service as a child process, as an operator runs it, with a clean environment (only PATH
 * and what the test passes) and every byte of its output kept for inspection.
 */
export class AppProcess {
  private chunks: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number | undefined,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.chunks.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.chunks.push(d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static spawn(entry: string, env: Record<string, string>, cwd: string, args: string[] = []): AppProcess {
    const child = spawn(process.execPath, ['--enable-source-maps', entry, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(child, env.PORT ? Number(env.PORT) : undefined);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.chunks.join('');
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await waitFor(
      'the service to answer /health/live',
      async () => {
        if (exited) throw new Error(`the service exited during boot:\n${this.output}`);
        return (await fetch(`${this.url}/health/live`)).status === 200;
      },
      timeoutMs,
    );
  }

  /** Waits for exit; kills it if it has not exited within `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
