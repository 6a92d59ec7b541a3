import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import { AppError, ErrorCode, toErrorResponse } from '../common/index.js';
import { appConfig } from '../config/index.js';
import { healthConfig } from '../health/index.js';
import { monitoringConfig } from './monitoring.config.js';
import { DOCS_JSON_PATH, DOCS_PATH } from '../docs/index.js';
import { AvailabilityState } from '../health/index.js';
import { PROBE_WORKER_SOURCE } from './probe-worker.source.js';

interface ProbeAnswer {
  status: number;
  body: string;
}
type ProbeAnswers = { live: ProbeAnswer; ready: ProbeAnswer };
interface ForwardedRequest {
  kind: 'request';
  id: number;
  method: 'GET' | 'HEAD';
  url: string;
  headers: IncomingHttpHeaders;
}
type WorkerMessage = ForwardedRequest | { kind: 'listening' } | { kind: 'error'; message: string };

// The one error body, so a client cannot tell a sealed route from one that does not exist.
const notFound = (requestId: string) =>
  toErrorResponse(new AppError(ErrorCode.NOT_FOUND, 'no such route'), requestId).body;

const MANAGEMENT_PATHS = new RegExp(`^/(health|metrics|${DOCS_PATH}|${DOCS_JSON_PATH})(/|\\?|$)`);
const PASS_HEADER = 'x-management-pass';
// The main thread's heartbeat, and how often it republishes liveness and readiness to the worker.
const HEARTBEAT_MS = 100;
const REFRESH_MS = 250;
const MANAGEMENT_LIMITS = {
  maxConnections: 256,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
};

/**
 * With MANAGEMENT_PORT set (as Spring's management port), /health*, /metrics and /docs* answer only on
 * that port, and the main port answers 404 to those paths without a per-process pass. The port's
 * listener runs in a worker thread (probe-worker.source.ts): bare liveness and readiness probes
 * are answered there from what the app last answered (refreshed every 250 ms, at once on
 * SIGTERM), so they answer within milliseconds while the main thread's event loop is saturated;
 * a main thread stalled past HEALTH_EVENT_LOOP_STALL_MS fails both. Every other request is handed
 * to the main app through `inject()` with the pass.
 * One set of routes, two exposures; nothing to keep in sync. The seal is decided on the route
 * the router matched (`/%6detrics`, an absolute-form `http://x/metrics` and `/metrics` are one
 * route), never on the raw URL.
 */
@Injectable()
export class ManagementPort implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: Worker;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pass = randomBytes(24).toString('hex');
  private readonly expected = Buffer.from(this.pass);
  private readonly logger = new Logger('Management');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(monitoringConfig.KEY) private readonly config: ConfigType<typeof monitoringConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(healthConfig.KEY) private readonly health: ConfigType<typeof healthConfig>,
    private readonly availability: AvailabilityState,
  ) {}

  /**
   * On the main port, answers 404 to a management route that did not come through the management
   * port, and says so (true). Called by the request pipeline's request hook.
   */
  refuses(request: FastifyRequest, reply: FastifyReply): boolean {
    if (this.config.managementPort === undefined) return false;
    const route = request.routeOptions?.url;
    if (route === undefined || !MANAGEMENT_PATHS.test(route)) return false;
    const given = Buffer.from(String(request.headers[PASS_HEADER] ?? ''));
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return false;
    void reply.status(404).send(notFound(String(request.id)));
    return true;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.managementPort;
    if (port === undefined) return;
    const main = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const heartbeat = new SharedArrayBuffer(8);
    const beat = new Float64Array(heartbeat);
    beat[0] = Date.now();
    this.timers.push(setInterval(() => (beat[0] = Date.now()), HEARTBEAT_MS).unref());
    const worker = new Worker(PROBE_WORKER_SOURCE, {
      eval: true,
      workerData: {
        port,
        host: this.app.host,
        heartbeat,
        stallMs: this.health.eventLoopStallMs,
        limits: MANAGEMENT_LIMITS,
        pathsSource: MANAGEMENT_PATHS.source,
        // The worker answers its own 404s in the service's one error body, with an id of its own.
        notFoundBody: JSON.stringify(notFound('{requestId}')),
        answers: await this.probeAnswers(main),
      },
    });
    this.worker = worker;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'request') void this.forward(main, worker, message);
      if (message.kind === 'error') this.logger.error(`management port: ${message.message}`);
    });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => message.kind === 'listening' && resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`management port worker exited with ${code}`)));
    });
    // Readiness and liveness as the app answers them, republished to the worker; at once on SIGTERM.
    let refreshing = false;
    const refresh = (): void => {
      if (refreshing) return;
      refreshing = true;
      this.probeAnswers(main)
        .then((answers) => worker.postMessage({ kind: 'answers', answers }))
        .catch((error: unknown) => this.logger.warn(`probe refresh failed: ${String(error)}`))
        .finally(() => (refreshing = false));
    };
    this.timers.push(setInterval(refresh, REFRESH_MS).unref());
    this.availability.onShutdown(refresh);
    this.logger.log(`health and metrics on http://${this.app.host}:${port} only (probes answered off the main thread)`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.worker?.terminate();
  }

  private async probeAnswers(main: FastifyInstance): Promise<ProbeAnswers> {
    const headers = { [PASS_HEADER]: this.pass };
    const [live, ready] = await Promise.all(
      ['/health/live', '/health/ready'].map((url) => main.inject({ method: 'GET', url, headers })),
    );
    return {
      live: { status: live.statusCode, body: live.body },
      ready: { status: ready.statusCode, body: ready.body },
    };
  }

  private async forward(main: FastifyInstance, worker: Worker, request: ForwardedRequest): Promise<void> {
    const headers = { ...request.headers, [PASS_HEADER]: this.pass };
    try {
      const response = await main.inject({ method: request.method, url: request.url, headers });
      const { 'content-length': _length, connection: _connection, ...forwarded } = response.headers;
      worker.postMessage({
        kind: 'response',
        id: request.id,
        status: response.statusCode,
        headers: forwarded,
        body: response.rawPayload,
      });
    } catch (error) {
      this.logger.warn(`management request failed: ${String(error)}`);
      worker.postMessage({ kind: 'response', id: request.id, status: 500, headers: {}, body: '' });
    }
  }
}
