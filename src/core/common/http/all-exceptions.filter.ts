import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorTranslators } from '../errors/error-translators.js';
import { currentRequest } from '../logging/request-context.js';
import { toErrorResponse } from './error-response.js';
import { RefusalLog } from './refusal-log.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The single global filter: maps every error to its HTTP answer and logs our own failures. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private readonly refusals = new RefusalLog(this.logger);

  constructor(private readonly translators: ErrorTranslators) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(this.translators.translate(exception), request, reply, this.logger, this.refusals);
  }
}

/**
 * Answers `exception` with the one error body. An unexpected 5xx is logged with its stack, each
 * time; an expected refusal (503/504 of ours) goes to `refusals`, one line per interval.
 */
export function sendError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
  refusals: RefusalLog,
): void {
  // The trace id rides on the request context (set with tracing on): absent for a refusal made before it.
  const response = toErrorResponse(exception, String(request.id), currentRequest()?.traceId);
  const route = request.routeOptions?.url ?? 'unmatched';
  if (response.expected) {
    const { code, statusCode: status } = response.body;
    const message = exception instanceof Error ? exception.message : String(exception);
    refusals.record({ method: request.method, route, status, code, message, requestId: String(request.id) });
  } else if (response.internal) {
    const cause = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    logger.error(`${request.method} ${route} failed with ${response.status} [requestId=${String(request.id)}]`, cause);
  }
  if (reply.sent) return;
  // JSON whatever the handler had set before it failed (a text/plain exposition, say): Fastify
  // refuses to send an object under another content type, and would answer its own 500.
  void reply.status(response.status).type(JSON_TYPE).headers(response.headers).send(response.body);
}
