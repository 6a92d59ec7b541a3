import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

const storage = new AsyncLocalStorage<string>();

/** The id of the request being handled here, if any: the logger adds it to every line. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}

/**
 * Runs each request (Fastify's later hooks and body parsing, then Nest's guards, pipes,
 * interceptors and handler, and everything they await: database, cache, breaker, journal) with
 * its id in an AsyncLocalStorage, so every log line written on its behalf carries it. Installed on
 * Fastify rather than as a Nest interceptor: guards are covered too, and Nest keeps its fast path
 * for routes without interceptors (no rxjs pipeline per request). A test sends a body in a later
 * packet than its headers and finds the id in the handler's line. `skip` lists routes that must
 * pay nothing (liveness).
 */
export function installRequestContext(fastify: FastifyInstance, skip: readonly string[] = []): void {
  const skipped = new Set(skip);
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (skipped.has(request.url)) return done();
    storage.run(String(request.id), done);
  });
}
