import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { killProcess } from './processes.js';
import { freePort, makeTempDir, removeDir, requireBinary, waitFor } from './system.js';

const HAPROXY = '/usr/sbin/haproxy';

/** HAProxy (Debian's package) running the service's own deploy/haproxy/haproxy.cfg in front of three instances. */
export class HaproxyServer {
  private process?: ChildProcess;

  private constructor(
    readonly root: string,
    readonly port: number,
    readonly statsPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `checkPorts`: each instance's MANAGEMENT_PORT, where readiness is checked (default: its own port). */
  static async start(
    configFile: string,
    instances: readonly [string, string, string],
    checkPorts: readonly number[] = instances.map((address) => Number(address.split(':').at(-1))),
  ): Promise<HaproxyServer> {
    const binary = requireBinary(HAPROXY, 'haproxy');
    const server = new HaproxyServer(makeTempDir('haproxy'), await freePort(), await freePort());
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HAPROXY_BIND: `127.0.0.1:${server.port}`,
      HAPROXY_STATS_BIND: `127.0.0.1:${server.statsPort}`,
      APP1_ADDR: instances[0],
      APP2_ADDR: instances[1],
      APP3_ADDR: instances[2],
      APP1_CHECK_PORT: String(checkPorts[0]),
      APP2_CHECK_PORT: String(checkPorts[1]),
      APP3_CHECK_PORT: String(checkPorts[2]),
    };
    const out = openSync(join(server.root, 'haproxy.log'), 'a');
    server.process = spawn(binary, ['-db', '-f', configFile], { env, stdio: ['ignore', out, out] });
    try {
      await waitFor(
        `haproxy on ${server.port}`,
        async () => (await fetch(`http://127.0.0.1:${server.statsPort}/stats;csv`)).ok,
      );
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** Each instance's state as HAProxy sees it (UP, DOWN, NOLB, ...), by server name. */
  async servers(): Promise<Record<string, string>> {
    const csv = await (await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`)).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const [proxy, name, status] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
    const servers: Record<string, string> = {};
    for (const row of rows.map((r) => r.split(','))) {
      if (row[proxy] === 'instances' && row[name] !== 'BACKEND') servers[row[name]] = row[status];
    }
    return servers;
  }

  async destroy(): Promise<void> {
    if (this.process) await killProcess(this.process, 'SIGKILL');
    removeDir(this.root);
  }
}
