import type { ValidationError } from 'class-validator';
import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * class-validator's error tree as field paths (`quantity`, `legs.0.price`) to their reasons, the
 * reasons of one field joined with `; `. The same `details` our domain 400s carry.
 */
export function validationDetails(errors: readonly ValidationError[], prefix = ''): Record<string, string> {
  const details: Record<string, string> = {};
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    const reasons = Object.values(error.constraints ?? {});
    if (reasons.length > 0) details[path] = reasons.join('; ');
    if (error.children?.length) Object.assign(details, validationDetails(error.children, `${path}.`));
  }
  return details;
}

/** ValidationPipe's `exceptionFactory`: one 400 of ours, `message` a sentence and `details` per field. */
export function validationFailed(errors: ValidationError[]): AppError {
  const details = validationDetails(errors);
  const message = Object.values(details).join('; ') || 'the request is not valid';
  return new AppError(ErrorCode.VALIDATION_FAILED, message, { details });
}
