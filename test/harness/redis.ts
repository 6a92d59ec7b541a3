import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killProcess, spawnServer } from './processes.js';
import { execFileAsync, freePort, makeTempDir, removeDir, requireBinary, waitFor } from './system.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_SENTINEL = '/usr/bin/redis-sentinel';
const REDIS_CLI = '/usr/bin/redis-cli';

export interface RedisNode {
  port: number;
  url: string;
  process?: ChildProcess;
}

/**
 * Throwaway Redis on loopback: a master, optionally a replica and a Sentinel watching them,
 * each a child process on a free port, nothing persisted. Tests may kill and restart any of them.
 */
export class RedisSetup {
  static readonly MASTER_NAME = 'mymaster';
  private readonly paused = new Set<RedisNode>();

  private constructor(
    readonly root: string,
    readonly master: RedisNode,
    readonly replica: RedisNode | undefined,
    readonly sentinel: RedisNode | undefined,
    private readonly password: string | undefined,
  ) {}

  static async start(options: { replica?: boolean; sentinel?: boolean; password?: string } = {}): Promise<RedisSetup> {
    requireBinary(REDIS_SERVER, 'redis-server');
    requireBinary(REDIS_CLI, 'redis-tools');
    if (options.sentinel) requireBinary(REDIS_SENTINEL, 'redis-sentinel');
    const root = makeTempDir('redis');
    const node = async (): Promise<RedisNode> => {
      const port = await freePort();
      const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
      return { port, url: `redis://${auth}127.0.0.1:${port}` };
    };
    const setup = new RedisSetup(
      root,
      await node(),
      options.replica || options.sentinel ? await node() : undefined,
      options.sentinel ? await node() : undefined,
      options.password,
    );
    try {
      await setup.startServer(setup.master);
      if (setup.replica) await setup.startServer(setup.replica, setup.master.port);
      if (setup.sentinel) await setup.startSentinel();
    } catch (error) {
      await setup.destroy();
      throw error;
    }
    return setup;
  }

  async startServer(node: RedisNode, replicaOf?: number): Promise<void> {
    const args = [
      '--port',
      String(node.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.root,
    ];
    if (this.password) args.push('--requirepass', this.password, '--masterauth', this.password);
    if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    node.process = spawnServer(REDIS_SERVER, args, join(this.root, `redis-${node.port}.log`));
    await waitFor(`redis on ${node.port}`, async () => (await this.cli(node.port, 'PING')) === 'PONG');
  }

  /** Restarts a stopped node (as a replica of `replicaOf` when given). */
  async restart(node: RedisNode, replicaOf?: number): Promise<void> {
    await this.startServer(node, replicaOf);
  }

  async kill(node: RedisNode, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (node.process) await killProcess(node.process, signal);
  }

  /**
   * Freezes a node (SIGSTOP): its sockets stay open and its data stays, it just stops answering,
   * as a Redis starved of CPU or behind a stalled network would. resume() (SIGCONT) undoes it;
   * destroy() resumes a frozen node before killing it.
   */
  pause(node: RedisNode): void {
    if (!node.process?.pid) throw new Error(`redis on ${node.port} is not running`);
    node.process.kill('SIGSTOP');
    this.paused.add(node);
  }

  resume(node: RedisNode): void {
    if (!this.paused.delete(node)) return;
    node.process?.kill('SIGCONT');
  }

  /** The master's `[host, port]` as Sentinel reports it. */
  async sentinelMaster(): Promise<[string, number]> {
    if (!this.sentinel) throw new Error('no sentinel');
    const out = await this.cli(this.sentinel.port, 'SENTINEL', 'get-master-addr-by-name', RedisSetup.MASTER_NAME);
    const [host, port] = out.split('\n');
    return [host, Number(port)];
  }

  async cli(port: number, ...command: string[]): Promise<string> {
    const auth = this.password && port !== this.sentinel?.port ? ['--no-auth-warning', '-a', this.password] : [];
    const { stdout } = await execFileAsync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...auth, ...command], {
      timeout: 5000,
    });
    return stdout.trim();
  }

  async destroy(): Promise<void> {
    for (const node of [...this.paused]) this.resume(node);
    for (const node of [this.sentinel, this.replica, this.master]) {
      if (node?.process) await killProcess(node.process, 'SIGKILL');
    }
    removeDir(this.root);
  }

  private async startSentinel(): Promise<void> {
    const sentinel = this.sentinel as RedisNode;
    const file = join(this.root, 'sentinel.conf');
    const lines = [
      `port ${sentinel.port}`,
      'bind 127.0.0.1',
      `dir ${this.root}`,
      `sentinel monitor ${RedisSetup.MASTER_NAME} 127.0.0.1 ${this.master.port} 1`,
      `sentinel down-after-milliseconds ${RedisSetup.MASTER_NAME} 1000`,
      `sentinel failover-timeout ${RedisSetup.MASTER_NAME} 5000`,
    ];
    if (this.password) lines.push(`sentinel auth-pass ${RedisSetup.MASTER_NAME} ${this.password}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    sentinel.process = spawnServer(REDIS_SENTINEL, [file], join(this.root, 'sentinel.log'));
    await waitFor('sentinel to see the master', async () => (await this.sentinelMaster())[1] === this.master.port);
  }
}
