import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { killProcess, spawnServer } from './processes.js';
import { freePort, waitFor } from './system.js';

const require = createRequire(import.meta.url);
const PRISM_CLI = join(dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist', 'index.js');

/** One entry of Prism's `sl-violations` header. */
export interface PrismViolation {
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

/** What Prism made of one exchange: the answer, and whether Prism wrote it or the service did. */
export interface PrismExchange {
  status: number;
  contentType: string;
  body: string;
  headers: Headers;
  violations: PrismViolation[];
  /** Prism's own problem type (`VIOLATIONS`, `UNPROCESSABLE_ENTITY`, `UNAUTHORIZED`...), when Prism answered. */
  prismError?: string;
}

/**
 * Stoplight Prism from npm in proxy mode (`prism proxy DOC UPSTREAM --errors`) on a free port:
 * every request is checked against the document, forwarded to the service, and its answer
 * checked too. `validateRequest: false` forwards requests the document refuses, so that the
 * service's own answer to them is checked.
 */
export class PrismProxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(document: string, upstream: string, log: string, validateRequest = true): Promise<PrismProxy> {
    const port = await freePort();
    const args = [PRISM_CLI, 'proxy', document, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port)];
    if (!validateRequest) args.push('--validate-request', 'false');
    const child = spawnServer(process.execPath, args, log);
    const prism = new PrismProxy(child, port);
    await waitFor(
      `Prism on ${port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`Prism exited (${child.exitCode}), see ${log}`);
        return (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.status === 200;
      },
      60_000,
      200,
    );
    return prism;
  }

  async send(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const exchange: PrismExchange = { status: res.status, contentType, body, headers: res.headers, violations: [] };
    const header = res.headers.get('sl-violations');
    if (header)
      exchange.violations = header.startsWith('[')
        ? (JSON.parse(header) as PrismViolation[])
        : [{ location: ['response'], severity: 'Error', message: header }];
    if (contentType.startsWith('application/problem+json')) {
      const type = (JSON.parse(body) as { type?: string }).type ?? '';
      exchange.prismError = type.split('#')[1] ?? type;
    }
    return exchange;
  }

  async stop(): Promise<void> {
    await killProcess(this.child);
  }
}
