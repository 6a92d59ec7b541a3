import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { killProcess, spawnServer } from './processes.js';
import { freePort, makeTempDir, removeDir, requireBinary, waitFor } from './system.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Every thread of `pid` stopped (state T), read from /proc. */
function stopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
    });
  } catch {
    return true;
  }
}

/**
 * A throwaway NATS server with JetStream on a free loopback port, its store in a temp directory
 * (kept across a kill and restart, as a real server's disk is). Never the machine's own on 4222.
 */
export class NatsServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly root: string,
  ) {}

  static async start(): Promise<NatsServer> {
    requireBinary(NATS_SERVER, 'nats-server');
    const server = new NatsServer(await freePort(), makeTempDir('nats'));
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and store. */
  async restart(): Promise<void> {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', join(this.root, 'store')];
    this.process = spawnServer(NATS_SERVER, args, join(this.root, 'nats.log'));
    await waitFor(`nats-server on ${this.port}`, () => this.accepts(), 10_000, 50);
  }

  /** SIGSTOP: the sockets stay open and nothing answers (a frozen host). */
  freeze(): void {
    this.process?.kill('SIGSTOP');
    // The signal is delivered asynchronously: until the server is stopped, it may still answer
    // what a test sends right after. Waits (briefly) until the kernel shows it stopped.
    const pid = this.process?.pid;
    const until = Date.now() + 2000;
    while (pid !== undefined && Date.now() < until && !stopped(pid)) Atomics.wait(PAUSE, 0, 0, 2);
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL: no goodbye to its clients. */
  async kill(): Promise<void> {
    if (this.process) await killProcess(this.process, 'SIGKILL');
    this.process = undefined;
  }

  async destroy(): Promise<void> {
    await this.kill();
    removeDir(this.root);
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith('INFO'));
      });
      socket.once('error', () => resolve(false));
    });
  }
}
