import type { Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import {
  AllExceptionsFilter,
  AppError,
  clientRequestIdOf,
  CompiledValidationPipe,
  ErrorCode,
  hasDuplicateHost,
  REQUEST_ID_HEADER,
  runInRequestContext,
} from './core/common/index.js';
import { AvailabilityState, LIVENESS_PATH } from './core/health/index.js';
import { HttpMetrics, ManagementPort } from './core/monitoring/index.js';

/*
 * Every request meets, in this order:
 *   1. Fastify: `clientErrorHandler` (unparseable requests), `genReqId` (our own id), routing,
 *      `frameworkErrors` (src/app.factory.ts);
 *   2. the one request hook below: in flight, `x-request-id`, `Connection: close` while draining,
 *      the duplicate-Host refusal, the management-port seal, then the request context (log ids);
 *   3. the bounded body parsers (src/app.factory.ts);
 *   4. Nest: the global guard `AuthGuard` (AuthModule; rate limits are per-route guards), the
 *      global pipe and filter listed in `requestPipelineProviders`, then the handler;
 *   5. the one response hook below: HTTP metrics, out of flight (an aborted request leaves too).
 * Liveness is a bare Fastify route (HealthModule): it meets 1, 2 (without the context) and 5 only.
 */

/** The global Nest pipe and filter, provided by AppModule. */
export const requestPipelineProviders: Provider[] = [
  { provide: APP_FILTER, useClass: AllExceptionsFilter },
  {
    provide: APP_PIPE,
    useFactory: () =>
      new CompiledValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        stopAtFirstError: false,
      }),
  },
];

// Set on a request while it counts as in flight, so an abort followed by a response counts once.
const IN_FLIGHT = Symbol('inFlight');
type Tracked = FastifyRequest & { [IN_FLIGHT]?: boolean };

/** Installs the request and response hooks: one of each, so a request pays two hook calls in all. */
export function installRequestPipeline(app: NestFastifyApplication, options: { requestContext: boolean }): void {
  const fastify = app.getHttpAdapter().getInstance();
  const availability = app.get(AvailabilityState);
  const management = app.get(ManagementPort);
  const metrics = app.get(HttpMetrics);
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
    if (management.refuses(request, reply)) return;
    if (!options.requestContext || request.url === LIVENESS_PATH) return done();
    runInRequestContext({ requestId: request.id, clientRequestId: clientRequestIdOf(request.raw) }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.record(request, reply);
    finished(request);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    finished(request);
    done();
  });
}
