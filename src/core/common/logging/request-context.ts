import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written on behalf of a request carries. */
export interface RequestTag {
  readonly requestId: string;
  /** The caller's own `x-request-id`, if it sent an acceptable one: for correlation, never trusted as ours. */
  readonly clientRequestId?: string;
  /** The request's trace id, with tracing on (src/core/tracing): on every line, and in error bodies. */
  readonly traceId?: string;
}

const storage = new AsyncLocalStorage<RequestTag>();

/** The request being handled here, if any: the logger adds its ids to every line. */
export function currentRequest(): RequestTag | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` (for a request: Fastify's later hooks and body parsing, then Nest's guards, pipes and
 * handler, and everything they await) with `tag` in an AsyncLocalStorage, so every log line
 * written on its behalf carries the request's ids. On Node 24 the store rides on
 * `AsyncContextFrame`: no async hooks, no cost per promise.
 */
export function runInRequestContext<T>(tag: RequestTag, fn: () => T): T {
  return storage.run(tag, fn);
}

/**
 * Runs `fn` outside any request's context: background work a request merely woke (a replay, a
 * flush) logs no request's id, and timers it schedules do not keep the request's tag alive.
 */
export function runDetached<T>(fn: () => T): T {
  return storage.exit(fn);
}
