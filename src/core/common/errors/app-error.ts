/** Every domain error code, with the HTTP status the global filter maps it to. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  /** The request as a whole could not be read: not JSON, over a JSON bound, a bad URL, a refusal from a library. */
  BAD_REQUEST = 'BAD_REQUEST',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  URI_TOO_LONG = 'URI_TOO_LONG',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED = 'RATE_LIMITED',
  HEADERS_TOO_LARGE = 'HEADERS_TOO_LARGE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  CIRCUIT_OPEN = 'CIRCUIT_OPEN',
  TIMEOUT = 'TIMEOUT',
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  /** Past the adaptive concurrency limit (LoadSheddingModule): shed before the body is read. */
  OVERLOADED = 'OVERLOADED',
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
    case ErrorCode.BAD_REQUEST:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.REQUEST_TIMEOUT:
      return 408;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.URI_TOO_LONG:
      return 414;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.HEADERS_TOO_LARGE:
      return 431;
    case ErrorCode.INTERNAL_ERROR:
      return 500;
    case ErrorCode.DEPENDENCY_UNAVAILABLE:
    case ErrorCode.CIRCUIT_OPEN:
    case ErrorCode.SHUTTING_DOWN:
    case ErrorCode.OVERLOADED:
      return 503;
    case ErrorCode.TIMEOUT:
      return 504;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

export interface AppErrorOptions {
  /** For 503: seconds after which the client may retry; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** The problem of each field, by its path (`quantity`, `legs.0.price`), safe to show the client (4xx only). */
  details?: Record<string, string>;
  /** Response headers the error calls for, e.g. `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A typed domain error. Its message is shown to the client for 4xx codes; for 5xx codes
 * the client sees only the code and the request id, and the message goes to the log.
 */
export class AppError extends Error {
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly details?: Record<string, string>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = httpStatusOf(code);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
    this.headers = options.headers;
  }
}
