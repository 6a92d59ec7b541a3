import { AsyncLocalStorage } from 'node:async_hooks';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

const storage = new AsyncLocalStorage<string>();

/** The id of the request being handled here, if any: the logger adds it to every line. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}

/**
 * Runs each handler (its pipes, the handler, and everything they await: database, cache, breaker,
 * journal) with the request id in an AsyncLocalStorage, so every log line written on its behalf
 * carries it. Guards run before interceptors and name the request id in their own lines.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const requestId = String(context.switchToHttp().getRequest<FastifyRequest>().id);
    return new Observable((subscriber) => storage.run(requestId, () => next.handle().subscribe(subscriber)));
  }
}
