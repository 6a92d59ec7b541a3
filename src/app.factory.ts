import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConfigType } from '@nestjs/config';
import { AppModule, type AppModuleOptions } from './app.module.js';
import {
  AppError,
  AppLogger,
  boundedJsonParser,
  clientErrorHandler,
  ErrorCode,
  frameworkErrors,
  hasDuplicateHost,
  installRequestContext,
  REQUEST_ID_HEADER,
  requestIdFor,
} from './core/common/index.js';
import { appConfig } from './core/config/index.js';
import { serveOpenApi } from './core/docs/index.js';
import { AvailabilityState, LIVENESS_PATH } from './core/health/index.js';

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
  const adapter = new FastifyAdapter({ genReqId: requestIdFor, frameworkErrors, clientErrorHandler });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimitBytes }, boundedJsonParser(config.jsonLimits));
  // First, so that every later hook, guard and handler of a request runs in its context.
  if (options.requestContext !== false) installRequestContext(app.getHttpAdapter().getInstance(), [LIVENESS_PATH]);
  installHttpHooks(app, app.get(AvailabilityState));
  if (config.docsEnabled) serveOpenApi(app);
  return app;
}

// Set on a request while it counts as in flight, so an abort followed by a response counts once.
const IN_FLIGHT = Symbol('inFlight');
type Tracked = { [IN_FLIGHT]?: boolean };

function installHttpHooks(app: NestFastifyApplication, availability: AvailabilityState): void {
  const fastify = app.getHttpAdapter().getInstance();
  const finished = (request: Tracked): void => {
    if (!request[IN_FLIGHT]) return;
    request[IN_FLIGHT] = false;
    availability.requestFinished();
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    (request as Tracked)[IN_FLIGHT] = true;
    availability.requestStarted();
    void reply.header(REQUEST_ID_HEADER, request.id);
    // Shutting down: the client (a load balancer's pooled connection) reconnects, to another instance.
    if (availability.isShuttingDown) void reply.header('connection', 'close');
    if (hasDuplicateHost(request.raw.rawHeaders))
      return done(new AppError(ErrorCode.VALIDATION_FAILED, 'more than one Host header'));
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    finished(request as Tracked);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    finished(request as Tracked);
    done();
  });
}
