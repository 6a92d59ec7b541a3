import { CONNECTION_ERROR_CODES, TIMEOUT_ERROR_CODES } from '../common/index.js';

/** What kind of failure an error is; decides whether and how a breaker records it. */
export type ErrorClass =
  'timeout' | 'connection' | 'rate-limited' | 'upstream-5xx' | 'caller-4xx' | 'validation' | 'unknown';

/** `ignore`: not a failure of the dependency; `record`: counts toward the rates; `critical`: opens at once. */
export type Severity = 'ignore' | 'record' | 'critical';

export const DEFAULT_SEVERITY: Readonly<Record<ErrorClass, Severity>> = {
  timeout: 'record',
  connection: 'record',
  // The provider's own refusal: back-pressure (ResiliencePolicy pauses calls), not a failure.
  'rate-limited': 'ignore',
  'upstream-5xx': 'record',
  'caller-4xx': 'ignore',
  validation: 'ignore',
  unknown: 'record',
};

/** An error may say its class itself, e.g. an adapter that got a malformed answer. */
export interface ClassifiedError {
  errorClass: ErrorClass;
}

const TIMEOUT_NAMES = new Set(['TimeoutError', 'TaskCancelledError', 'AbortError']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  errorClass?: unknown;
  cause?: unknown;
  isTaskCancelledError?: unknown;
}

/** Reads the usual shapes: Node and undici error codes, `status`/`statusCode`, an explicit `errorClass`. */
export function classifyError(error: unknown): ErrorClass {
  const e = (error ?? {}) as ErrorLike;
  if (typeof e.errorClass === 'string') return e.errorClass as ErrorClass;
  // cockatiel's timeout rejects with TaskCancelledError, whose name is plain "Error".
  if (TIMEOUT_NAMES.has(String(e.name)) || TIMEOUT_ERROR_CODES.has(String(e.code)) || e.isTaskCancelledError === true)
    return 'timeout';
  if (CONNECTION_ERROR_CODES.has(String(e.code))) return 'connection';
  // fetch() wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  if (e.cause && e.cause !== error) {
    const inner = classifyError(e.cause);
    if (inner !== 'unknown') return inner;
  }
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === 429) return 'rate-limited';
  if (status !== undefined && status >= 500) return 'upstream-5xx';
  if (status !== undefined && status >= 400) return 'caller-4xx';
  if (e.name === 'ValidationError') return 'validation';
  return 'unknown';
}
