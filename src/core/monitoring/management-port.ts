import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { appConfig, monitoringConfig } from '../config/index.js';
import { DOCS_JSON_PATH, DOCS_PATH } from '../docs/index.js';

const MANAGEMENT_PATHS = new RegExp(`^/(health|metrics|${DOCS_PATH}|${DOCS_JSON_PATH})(/|\\?|$)`);
const PASS_HEADER = 'x-management-pass';

/**
 * With MANAGEMENT_PORT set (as Spring's management port), /health*, /metrics and /docs* answer only on
 * that port: a small Fastify server there hands each request to the main app through
 * `inject()` with a per-process pass, and the main port answers 404 to those paths without it.
 * One set of routes, two exposures; nothing to keep in sync.
 */
@Injectable()
export class ManagementPort implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private server?: FastifyInstance;
  private readonly pass = randomBytes(24).toString('hex');
  private readonly logger = new Logger('Management');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(monitoringConfig.KEY) private readonly config: ConfigType<typeof monitoringConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  onModuleInit(): void {
    if (this.config.managementPort === undefined) return;
    const main = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const expected = Buffer.from(this.pass);
    main.addHook('onRequest', (request, reply, done) => {
      if (!MANAGEMENT_PATHS.test(request.url)) return done();
      const given = Buffer.from(String(request.headers[PASS_HEADER] ?? ''));
      if (given.length === expected.length && timingSafeEqual(given, expected)) return done();
      void reply.status(404).send({ statusCode: 404, error: 'Not Found', requestId: request.id });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.managementPort;
    if (port === undefined) return;
    const main = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const server = Fastify({ logger: false });
    server.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      handler: async (request, reply) => {
        if (!MANAGEMENT_PATHS.test(request.url)) return reply.status(404).send({ statusCode: 404, error: 'Not Found' });
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
