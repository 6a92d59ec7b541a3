import type { Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ServerResponse } from 'node:http';
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
import { LoadShedder, SHEDDABLE } from './core/load-shedding/index.js';
import { HttpMetrics, ManagementPort } from './core/monitoring/index.js';
import { type RequestSpan, RequestSpans, spans } from './core/tracing/index.js';

/*
 * Every request meets, in this order:
 *   1. Fastify: `clientErrorHandler` (unparseable requests), `genReqId` (our own id), routing,
 *      `frameworkErrors` (src/app.factory.ts);
 *   2. the one request hook below: in flight, `x-request-id`, `Connection: close` while draining,
 *      the duplicate-Host refusal, the management-port seal, the concurrency limit (a sheddable
 *      route past it is answered 503 + `Retry-After` here: docs/overload.md), then the request
 *      context (log ids) and, with tracing on, the server span (docs/tracing.md);
 *   3. the bounded body parsers (src/app.factory.ts);
 *   4. Nest: the global guard `AuthGuard` (AuthModule; rate limits are per-route guards), the
 *      global pipe and filter listed in `requestPipelineProviders`, then the handler;
 *   5. the one response hook below: HTTP metrics;
 *   6. the raw response's `close` (every request, however it ended: sent, aborted, timed out):
 *      out of flight, the concurrency slot back, the limiter's latency sample and the span's end.
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

// On the raw response: when the request took a concurrency slot, `performance.now()` at admission.
const ADMITTED_AT = Symbol('admittedAt');
// On the raw response, with tracing on: the request's server span, ended on `close`.
const SERVER_SPAN = Symbol('serverSpan');
type TrackedResponse = ServerResponse & { [ADMITTED_AT]?: number; [SERVER_SPAN]?: RequestSpan };

/**
 * Installs the request hook, the response hook and one `close` listener on each raw response.
 * In-flight accounting and the concurrency slot are given back on `close`, which Node emits once
 * for every response whatever its end (sent, client gone, socket timed out or destroyed).
 * Fastify's own hooks miss a case: `onResponse` runs only on the response's `finish` (never
 * emitted once the socket is destroyed), and `onRequestAbort` only when `req.aborted`, which Node
 * sets only if the request's body had not been read whole: a client that sent its request and
 * then disconnected left both silent, and stayed in flight for ever.
 */
export function installRequestPipeline(app: NestFastifyApplication, options: { requestContext: boolean }): void {
  const fastify = app.getHttpAdapter().getInstance();
  const availability = app.get(AvailabilityState);
  const management = app.get(ManagementPort);
  const metrics = app.get(HttpMetrics);
  const shedder = app.get(LoadShedder);
  const requestSpans = app.get(RequestSpans);
  // One function for every response (`this` is the response): no closure per request.
  function closed(this: TrackedResponse): void {
    availability.requestFinished();
    const admittedAt = this[ADMITTED_AT];
    if (admittedAt !== undefined) shedder.finished(admittedAt, this.writableFinished);
    const span = this[SERVER_SPAN];
    if (span !== undefined) requestSpans.end(span, this.statusCode, this.writableFinished);
  }
  // Whether a route may be shed is decided once, when it is registered (Nest registers at init).
  fastify.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), [SHEDDABLE]: shedder.sheds(route.url) };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    availability.requestStarted();
    reply.raw.on('close', closed);
    void reply.header(REQUEST_ID_HEADER, request.id);
    // Shutting down: the client (a load balancer's pooled connection) reconnects, to another instance.
    if (availability.isShuttingDown) void reply.header('connection', 'close');
    if (hasDuplicateHost(request.raw.rawHeaders))
      return done(new AppError(ErrorCode.VALIDATION_FAILED, 'more than one Host header'));
    if (management.refuses(request, reply)) return;
    const route = request.routeOptions.config as { url?: string; [SHEDDABLE]?: boolean };
    if (route[SHEDDABLE] === true) {
      const admittedAt = shedder.tryAdmit(route.url ?? '', request.id, reply);
      if (admittedAt < 0) return;
      (reply.raw as TrackedResponse)[ADMITTED_AT] = admittedAt;
    }
    if (!options.requestContext || request.url === LIVENESS_PATH) return done();
    const tag = { requestId: request.id, clientRequestId: clientRequestIdOf(request.raw) };
    // Tracing off: one property read, no span and no context. Liveness probes are not traced.
    if (!spans.on) return runInRequestContext(tag, done);
    const span = requestSpans.start({
      method: request.method,
      route: request.routeOptions.url,
      url: request.url,
      headers: request.headers,
    });
    if (span === undefined) return runInRequestContext(tag, done);
    (reply.raw as TrackedResponse)[SERVER_SPAN] = span;
    spans.within(span.context, () => runInRequestContext({ ...tag, traceId: span.traceId }, done));
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.record(request, reply);
    done();
  });
}
