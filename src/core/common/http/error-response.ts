import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** The one error body of every 4xx and 5xx, whatever raised it (documented as ErrorResponseBody). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  /** The problem of each field, by its path: validation errors only. */
  details?: Record<string, string>;
  requestId: string;
  /** The request's trace, with tracing on: to find its spans in the tracing backend. */
  traceId?: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the failure is ours (5xx) and must be logged with its cause. */
  internal: boolean;
  /** A 503 or 504 of ours (a dependency down, a breaker open, shutting down): logged by count, not one line each. */
  expected: boolean;
}

// The code of an error that is not one of ours, from its status. Any other 4xx is BAD_REQUEST and
// any other 5xx INTERNAL_ERROR, their status kept.
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BAD_REQUEST,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  408: ErrorCode.REQUEST_TIMEOUT,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  414: ErrorCode.URI_TOO_LONG,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  431: ErrorCode.HEADERS_TOO_LARGE,
  500: ErrorCode.INTERNAL_ERROR,
  503: ErrorCode.DEPENDENCY_UNAVAILABLE,
  504: ErrorCode.TIMEOUT,
};

// What a 5xx says instead of its cause, and what replaces a library's unhelpful wording.
const PUBLIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.INTERNAL_ERROR]: 'the service failed to answer: the request id names the failure in its logs',
  [ErrorCode.DEPENDENCY_UNAVAILABLE]: 'a dependency cannot serve this now: retry after Retry-After',
  [ErrorCode.CIRCUIT_OPEN]: 'a dependency is failing and its circuit breaker is open: retry after Retry-After',
  [ErrorCode.SHUTTING_DOWN]: 'this instance is shutting down: retry, another instance will answer',
  [ErrorCode.OVERLOADED]: 'the service is at its concurrency limit, retry later',
  [ErrorCode.TIMEOUT]: 'a dependency did not answer in time',
  [ErrorCode.RATE_LIMITED]: 'too many requests: Retry-After says when to come back',
};

const EXPECTED_STATUSES = new Set([503, 504]);

function statusOf(error: unknown): number {
  if (error instanceof AppError) return error.status;
  if (error instanceof HttpException) return error.getStatus();
  // Fastify's own errors (malformed JSON, body too large, bad content type) carry a statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600) return statusCode;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function codeOf(error: unknown, status: number): ErrorCode {
  if (error instanceof AppError) return error.code;
  // Nest's parse pipes (ParseUUIDPipe...) and any ValidationPipe not ours say a value is invalid.
  if (status === 400 && error instanceof HttpException) return ErrorCode.VALIDATION_FAILED;
  return CODE_OF_STATUS[status] ?? (status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL_ERROR);
}

/** The message a client may read: a string always (a library's array of messages is joined). */
function clientMessage(error: unknown, code: ErrorCode): string {
  const replaced = PUBLIC_MESSAGES[code];
  if (replaced && !(error instanceof AppError)) return replaced;
  let message: unknown = error instanceof Error ? error.message : undefined;
  if (error instanceof HttpException) {
    const response = error.getResponse();
    message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? message);
  }
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' && message.length > 0 ? message : (STATUS_CODES[statusOf(error)] ?? 'Error');
}

/**
 * The one mapping from a thrown value to an HTTP answer: `{statusCode, error, code, message,
 * details?, requestId, traceId?}` for every status. 4xx answers say what was wrong; 5xx answers say nothing
 * internal: their message is a fixed sentence per code, the cause goes to the log.
 */
export function toErrorResponse(error: unknown, requestId: string, traceId?: string): ErrorResponse {
  const status = statusOf(error);
  const internal = status >= 500;
  const code = codeOf(error, status);
  const message = internal
    ? (PUBLIC_MESSAGES[code] ?? PUBLIC_MESSAGES[ErrorCode.INTERNAL_ERROR]!)
    : clientMessage(error, code);
  const details = !internal && error instanceof AppError ? error.details : undefined;
  const body: ErrorBody = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    code,
    message,
    ...(details && { details }),
    requestId,
    ...(traceId !== undefined && { traceId }),
  };
  const headers: Record<string, string> = {};
  if (error instanceof AppError) {
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
    Object.assign(headers, error.headers);
  }
  const expected = internal && error instanceof AppError && EXPECTED_STATUSES.has(status);
  return { status, body, headers, internal, expected };
}
