import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, applyServerLimits, ErrorCode, RequestIds, toErrorResponse } from '../common/index.js';
import { appConfig, monitoringConfig } from '../config/index.js';
import { DOCS_JSON_PATH, DOCS_PATH } from '../docs/index.js';

const MANAGEMENT_PATHS = new RegExp(`^/(health|metrics|${DOCS_PATH}|${DOCS_JSON_PATH})(/|\\?|$)`);
const PASS_HEADER = 'x-management-pass';
const MANAGEMENT_LIMITS = {
  maxConnections: 256,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
};

// The one error body, so a client cannot tell a sealed route from one that does not exist.
const notFound = (requestId: string) =>
  toErrorResponse(new AppError(ErrorCode.NOT_FOUND, 'no such route'), requestId).body;

/**
 * With MANAGEMENT_PORT set (as Spring's management port), /health*, /metrics and /docs* answer only on
 * that port: a small Fastify server there hands each request to the main app through
 * `inject()` with a per-process pass, and the main port answers 404 to those paths without it.
 * One set of routes, two exposures; nothing to keep in sync. The seal is decided on the route
 * the router matched (`/%6detrics`, an absolute-form `http://x/metrics` and `/metrics` are one
 * route), never on the raw URL.
 */
@Injectable()
export class ManagementPort implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: FastifyInstance;
  private readonly pass = randomBytes(24).toString('hex');
  private readonly expected = Buffer.from(this.pass);
  private readonly logger = new Logger('Management');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(monitoringConfig.KEY) private readonly config: ConfigType<typeof monitoringConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
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
    const server = Fastify({ logger: false, genReqId: new RequestIds().next });
    // Probes and scrapes only: a small cap of its own, so a flood on the main port never reaches it.
    applyServerLimits(server.server, MANAGEMENT_LIMITS);
    server.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      handler: async (request, reply) => {
        if (!MANAGEMENT_PATHS.test(request.url)) return reply.status(404).send(notFound(String(request.id)));
        const headers = { ...request.headers, [PASS_HEADER]: this.pass };
        const response = await main.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers });
        const { 'content-length': _length, connection: _connection, ...forwarded } = response.headers;
        return reply.status(response.statusCode).headers(forwarded).send(response.rawPayload);
      },
    });
    await server.listen({ port, host: this.app.host });
    this.server = server;
    this.logger.log(`health and metrics on http://${this.app.host}:${port} only`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
