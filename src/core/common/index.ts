export { AppError, ErrorCode, httpStatusOf, type AppErrorOptions } from './errors/app-error.js';
export { ErrorTranslators, type ErrorTranslator } from './errors/error-translators.js';
export { AllExceptionsFilter, sendError } from './http/all-exceptions.filter.js';
export { toErrorResponse, type ErrorBody } from './http/error-response.js';
export { REQUEST_ID_HEADER, requestIdFor } from './http/request-id.js';
export { AppLogger, levelsFrom, type AppLoggerOptions } from './logging/app-logger.js';
export { SecretRedactor, secretRedactor, REDACTED } from './logging/secret-redactor.js';
export { TimeoutError, withTimeout } from './timeout.js';
export { CONNECTION_ERROR_CODES, TIMEOUT_ERROR_CODES } from './errors/network-errors.js';
