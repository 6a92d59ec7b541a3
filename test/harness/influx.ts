import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killProcess, spawnServer } from './processes.js';
import { freePort, makeTempDir, removeDir, requireBinary, waitFor } from './system.js';

const INFLUXD = '/usr/bin/influxd';

/** A throwaway InfluxDB 1.x on free loopback ports, data in a temp directory. */
export class InfluxServer {
  private process?: ChildProcess;

  private constructor(
    readonly root: string,
    readonly port: number,
    private readonly rpcPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<InfluxServer> {
    requireBinary(INFLUXD, 'influxdb');
    const server = new InfluxServer(makeTempDir('influx'), await freePort(), await freePort());
    try {
      await server.restart();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  async restart(): Promise<void> {
    const config = join(this.root, 'influxdb.conf');
    writeFileSync(
      config,
      [
        `bind-address = "127.0.0.1:${this.rpcPort}"`,
        'reporting-disabled = true',
        '[meta]',
        `  dir = "${join(this.root, 'meta')}"`,
        '[data]',
        `  dir = "${join(this.root, 'data')}"`,
        `  wal-dir = "${join(this.root, 'wal')}"`,
        '  query-log-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${this.port}"`,
        '  log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '',
      ].join('\n'),
    );
    this.process = spawnServer(INFLUXD, ['-config', config], join(this.root, 'influxd.log'));
    await waitFor(`influxd on ${this.port}`, async () => (await fetch(`${this.url}/ping`)).status === 204);
  }

  async query(q: string, db?: string): Promise<unknown> {
    const params = new URLSearchParams({ q });
    if (db) params.set('db', db);
    const response = await fetch(`${this.url}/query`, { method: 'POST', body: params });
    if (!response.ok) throw new Error(`influx query failed: ${response.status}`);
    return response.json();
  }

  async kill(): Promise<void> {
    if (this.process) await killProcess(this.process, 'SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.kill();
    removeDir(this.root);
  }
}
