import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileAsync, freePort, isRoot, makeTempDir, postgresBinDir, removeDir, requireBinary } from './system.js';

export interface PostgresNode {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth on loopback). */
  readonly url: string;
}

/**
 * A throwaway PostgreSQL primary, and optionally a streaming replica, on free loopback ports in a
 * temp directory. Tests may kill, freeze, restart and promote them; `destroy()` removes everything.
 */
export class PostgresCluster {
  private static readonly live = new Set<PostgresCluster>();
  private readonly bin = postgresBinDir();

  private constructor(
    readonly root: string,
    readonly primary: PostgresNode,
    readonly replica: PostgresNode | undefined,
    private readonly settings: Record<string, string> = {},
    private readonly synchronous = true,
  ) {}

  /**
   * `settings` are extra server settings (`-c name=value`) for every node, such as
   * `{ max_connections: '8' }`. With a replica the primary commits synchronously
   * (`synchronous_standby_names = '*'`), as a deployment that promises an acknowledged write
   * survives a failover must: with `synchronous: false` it commits before the replica has the
   * WAL, and a primary killed then takes its last acknowledged commits with it.
   */
  static async start(
    options: { replica?: boolean; password?: string; settings?: Record<string, string>; synchronous?: boolean } = {},
  ): Promise<PostgresCluster> {
    const root = makeTempDir('pg', 'postgres');
    const primary = PostgresCluster.node('primary', root, await freePort(), options.password);
    const replica = options.replica
      ? PostgresCluster.node('replica', root, await freePort(), options.password)
      : undefined;
    const cluster = new PostgresCluster(root, primary, replica, options.settings ?? {}, options.synchronous ?? true);
    PostgresCluster.live.add(cluster);
    try {
      await cluster.initPrimary(options.password);
      await cluster.start('primary');
      if (replica) {
        await cluster.asPostgres('pg_basebackup', [
          '-h',
          '127.0.0.1',
          '-p',
          String(primary.port),
          '-U',
          'postgres',
          '-D',
          replica.dataDir,
          '-R',
          '-X',
          'stream',
        ]);
        await cluster.start('replica');
      }
    } catch (error) {
      cluster.destroy();
      throw error;
    }
    return cluster;
  }

  private static node(name: string, root: string, port: number, password?: string): PostgresNode {
    const auth = password ? `postgres:${encodeURIComponent(password)}@` : 'postgres@';
    return { name, port, dataDir: join(root, name), url: `postgres://${auth}127.0.0.1:${port}/postgres` };
  }

  nodeOf(which: 'primary' | 'replica'): PostgresNode {
    const node = which === 'primary' ? this.primary : this.replica;
    if (!node) throw new Error('this cluster has no replica');
    return node;
  }

  async start(which: 'primary' | 'replica'): Promise<void> {
    const node = this.nodeOf(which);
    // Only the primary waits for a standby: the replica, once promoted, has none to wait for.
    const settings =
      which === 'primary' && this.replica && this.synchronous
        ? { synchronous_standby_names: "'*'", ...this.settings }
        : this.settings;
    const options = `-p ${node.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off${Object.entries(
      settings,
    )
      .map(([name, value]) => ` -c ${name}=${value}`)
      .join('')}`;
    await this.asPostgres('pg_ctl', [
      '-D',
      node.dataDir,
      '-o',
      options,
      '-l',
      join(this.root, `${node.name}.log`),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** `immediate` is a crash: no checkpoint, connections cut. */
  async stop(which: 'primary' | 'replica', mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.nodeOf(which).dataDir, '-m', mode, '-w', 'stop']);
  }

  async promote(): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.nodeOf('replica').dataDir, '-w', 'promote']);
  }

  /** SIGSTOP (or SIGCONT) the postmaster and all its children: a server that accepts nothing and answers nothing. */
  freeze(which: 'primary' | 'replica', frozen = true): void {
    const pidFile = join(this.nodeOf(which).dataDir, 'postmaster.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    for (const p of [pid, ...children]) process.kill(p, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Runs SQL through psql and returns its unaligned output. */
  async sql(which: 'primary' | 'replica', statement: string, database = 'postgres'): Promise<string> {
    const node = this.nodeOf(which);
    const psql = requireBinary(join(this.bin, 'psql'), 'postgresql-client');
    const { stdout } = await execFileAsync(
      psql,
      ['-h', '127.0.0.1', '-p', String(node.port), '-U', 'postgres', '-d', database, '-Atqc', statement],
      {
        env: { ...process.env, PGPASSWORD: this.password ?? '', PGCONNECT_TIMEOUT: '5' },
        timeout: 15_000,
      },
    );
    return stdout.trim();
  }

  private password?: string;

  destroy(): void {
    for (const node of [this.primary, this.replica]) {
      if (!node) continue;
      try {
        this.asPostgresSync('pg_ctl', ['-D', node.dataDir, '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
    }
    removeDir(this.root);
    PostgresCluster.live.delete(this);
  }

  /** Stops every cluster still running, e.g. when the test process exits early. */
  static destroyAll(): void {
    for (const cluster of [...PostgresCluster.live]) cluster.destroy();
  }

  private async initPrimary(password?: string): Promise<void> {
    this.password = password;
    const args = ['-D', this.primary.dataDir, '-U', 'postgres', '--no-sync'];
    if (password) {
      const pwFile = join(this.root, 'pwfile');
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (isRoot()) execFileSync('chown', ['postgres', pwFile]);
      args.push('-A', 'scram-sha-256', `--pwfile=${pwFile}`);
    } else {
      args.push('-A', 'trust');
    }
    await this.asPostgres('initdb', args);
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const path = requireBinary(join(this.bin, tool), 'postgresql');
    return isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  }

  private async asPostgres(tool: string, args: string[]): Promise<void> {
    const [cmd, full] = this.command(tool, args);
    const env = { ...process.env, PGPASSWORD: this.password ?? '' };
    await execFileAsync(cmd, full, { cwd: this.root, env, timeout: 60_000 });
  }

  private asPostgresSync(tool: string, args: string[]): void {
    const [cmd, full] = this.command(tool, args);
    execFileSync(cmd, full, { cwd: this.root, stdio: 'ignore', timeout: 30_000 });
  }
}

process.once('exit', () => PostgresCluster.destroyAll());
