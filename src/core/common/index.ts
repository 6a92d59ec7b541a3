export { AppError, ErrorCode, httpStatusOf, type AppErrorOptions } from './errors/app-error.js';
export { ErrorTranslators, type ErrorTranslator } from './errors/error-translators.js';
export { AllExceptionsFilter, sendError } from './http/all-exceptions.filter.js';
export { IntervalLog } from './logging/interval-log.js';
export { RefusalLog, REFUSAL_LOG_INTERVAL_MS, type Refusal, type RefusalLogger } from './http/refusal-log.js';
export { toErrorResponse, type ErrorBody } from './http/error-response.js';
export { REQUEST_ID_HEADER, RequestIds, clientRequestIdOf } from './http/request-id.js';
export { Public, PUBLIC_ROUTE } from './http/public.decorator.js';
export { clientErrorHandler, frameworkErrors, hasDuplicateHost } from './http/framework-errors.js';
export {
  boundedJsonParser,
  jsonLimitViolation,
  JsonBodyError,
  parseBoundedJson,
  type JsonLimits,
} from './http/bounded-json.js';
export { AppLogger, levelsFrom, type AppLoggerOptions } from './logging/app-logger.js';
export { currentRequest, runDetached, runInRequestContext, type RequestTag } from './logging/request-context.js';
export { SecretRedactor, secretRedactor, REDACTED } from './logging/secret-redactor.js';
export { TimeoutError, withTimeout } from './timeout.js';
export { CONNECTION_ERROR_CODES, TIMEOUT_ERROR_CODES } from './errors/network-errors.js';
export { Listeners } from './listeners.js';
export { ApiErrors, ErrorResponseBody } from './http/api-docs.js';
export { CompiledValidationPipe } from './http/compiled-validation.pipe.js';
export { validationDetails, validationFailed } from './http/validation-errors.js';
export { applyServerLimits, connectionCap, openFileLimit, type ServerLimits } from './http/server-limits.js';
