import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AppError } from '../errors/app-error.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code?: string;
  message?: string | string[];
  details?: Record<string, unknown>;
  requestId: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the failure is ours (5xx) and must be logged with its cause. */
  internal: boolean;
}

function statusOf(error: unknown): number {
  if (error instanceof AppError) return error.status;
  if (error instanceof HttpException) return error.getStatus();
  // Fastify's own errors (malformed JSON, body too large, bad content type) carry a statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600) return statusCode;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function clientMessage(error: unknown): string | string[] | undefined {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string' || Array.isArray(message)) return message as string | string[];
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return undefined;
}

/**
 * The one mapping from a thrown value to an HTTP answer. 4xx answers say what was wrong;
 * 5xx answers say nothing internal: a status, a code when it is one of ours, and the request id.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  const status = statusOf(error);
  const internal = status >= 500;
  const body: ErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', requestId };
  const headers: Record<string, string> = {};
  if (error instanceof AppError) {
    body.code = error.code;
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
    Object.assign(headers, error.headers);
  }
  if (!internal) {
    body.message = clientMessage(error);
    if (error instanceof AppError && error.details) body.details = error.details;
  }
  return { status, body, headers, internal };
}
