import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorTranslators } from '../errors/error-translators.js';
import { toErrorResponse } from './error-response.js';

/** The single global filter: maps every error to its HTTP answer and logs our own failures. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly translators: ErrorTranslators) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(this.translators.translate(exception), request, reply, this.logger);
  }
}

export function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const response = toErrorResponse(exception, String(request.id));
  if (response.internal) {
    const route = request.routeOptions?.url ?? 'unmatched';
    const cause = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    logger.error(`${request.method} ${route} failed with ${response.status} [requestId=${String(request.id)}]`, cause);
  }
  if (reply.sent) return;
  void reply.status(response.status).headers(response.headers).send(response.body);
}
