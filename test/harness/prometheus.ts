import type { ChildProcess } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killProcess, spawnServer } from './processes.js';
import { freePort, makeTempDir, removeDir, requireBinary, waitFor } from './system.js';

const PROMETHEUS = '/usr/bin/prometheus';

/** A throwaway Prometheus (Debian's package) scraping the given targets every second, with rules. */
export class PrometheusServer {
  private process?: ChildProcess;

  private constructor(
    readonly root: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: { job: string; targets: string[]; rulesFile?: string }): Promise<PrometheusServer> {
    requireBinary(PROMETHEUS, 'prometheus');
    const server = new PrometheusServer(makeTempDir('prometheus'), await freePort());
    const rules = options.rulesFile ? ['rule_files:', '  - rules.yml'] : [];
    if (options.rulesFile) copyFileSync(options.rulesFile, join(server.root, 'rules.yml'));
    writeFileSync(
      join(server.root, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        ...rules,
        'scrape_configs:',
        `  - job_name: ${options.job}`,
        '    static_configs:',
        `      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    server.process = spawnServer(
      PROMETHEUS,
      [
        `--config.file=${join(server.root, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(server.root, 'data')}`,
        `--web.listen-address=127.0.0.1:${server.port}`,
      ],
      join(server.root, 'prometheus.log'),
      server.root,
    );
    try {
      await waitFor(
        `prometheus on ${server.port}`,
        async () => (await fetch(`${server.url}/-/ready`)).status === 200,
        20_000,
      );
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** An instant query: Prometheus's status and error, and the result. */
  async query(expr: string): Promise<{
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  }> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as never;
  }

  async rules(): Promise<
    Array<{ name: string; health: string; lastError?: string; lastEvaluation?: string; query: string }>
  > {
    const res = await fetch(`${this.url}/api/v1/rules`);
    const body = (await res.json()) as {
      data: {
        groups: Array<{
          rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation?: string; query: string }>;
        }>;
      };
    };
    return body.data.groups.flatMap((g) => g.rules);
  }

  async destroy(): Promise<void> {
    if (this.process) await killProcess(this.process);
    removeDir(this.root);
  }
}
