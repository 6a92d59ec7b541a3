import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConfigType } from '@nestjs/config';
import { AppModule, type AppModuleOptions } from './app.module.js';
import {
  AppLogger,
  applyServerLimits,
  boundedJsonParser,
  clientErrorHandler,
  frameworkErrors,
  RequestIds,
} from './core/common/index.js';
import { appConfig } from './core/config/index.js';
import { authConfig } from './core/auth/index.js';
import { docsConfig, serveOpenApi } from './core/docs/index.js';
import { monitoringConfig } from './core/monitoring/index.js';
import { ORDERS_API_NOTES } from './modules/orders/index.js';
import { installRequestPipeline } from './request-pipeline.js';

export interface CreateAppOptions extends AppModuleOptions {
  /** Request ids in every log line of a request (default true). `false` only for a benchmark's baseline. */
  requestContext?: boolean;
}

/**
 * Builds the application on Fastify without listening. Configuration is validated first:
 * a bad environment throws ConfigValidationError before anything is opened.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const module = AppModule.forRoot(options);
  const adapter = new FastifyAdapter({ genReqId: new RequestIds().next, frameworkErrors, clientErrorHandler });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Nest would add a urlencoded parser: a 1 MB form of 120k keys took 10 s of the event loop.
    bodyParser: false,
  });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  // JSON is the only body type the service reads, and only through its bounds: every other type
  // (Fastify's own text/plain included) is 415 before its body is parsed.
  app.getHttpAdapter().getInstance().removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimitBytes }, boundedJsonParser(config.jsonLimits));
  applyServerLimits(app.getHttpServer(), config.serverLimits);
  installRequestPipeline(app, { requestContext: options.requestContext !== false });
  if (app.get<ConfigType<typeof docsConfig>>(docsConfig.KEY).enabled)
    serveOpenApi(app, {
      summary: 'The core of a trading backend.',
      notes: ORDERS_API_NOTES,
      authOptional: app.get<ConfigType<typeof authConfig>>(authConfig.KEY).mode === 'none',
      mainPort: config.port,
      managementPort: app.get<ConfigType<typeof monitoringConfig>>(monitoringConfig.KEY).managementPort,
    });
  return app;
}
