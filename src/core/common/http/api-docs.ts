import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '../errors/app-error.js';

/** The one error body of the service (see toErrorResponse), as OpenAPI describes it. */
export class ErrorResponseBody {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiPropertyOptional({ enum: Object.values(ErrorCode), description: 'Ours, when the error is one of ours' })
  code?: string;

  @ApiPropertyOptional({ description: 'What was wrong (4xx only: a 5xx says nothing internal)' })
  message?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The problem of each field (validation errors)',
  })
  details?: Record<string, string>;

  @ApiProperty({ description: 'Also in the x-request-id header, and in every log line of the request' })
  requestId: string;
}

const WHY: Record<number, string> = {
  400: 'Invalid request: `message` and `details` say what, field by field',
  401: 'No valid credentials (`WWW-Authenticate` says why)',
  403: 'Valid credentials without the scope the route needs',
  404: 'No such resource (or not yours)',
  409: 'Conflicts with stored data (e.g. a clientOrderId reused with other terms)',
  413: 'Body larger than HTTP_BODY_LIMIT_BYTES',
  429: 'Over the rate limit; `Retry-After` says when to come back',
  503: 'A dependency cannot serve this now; `Retry-After` says when to retry',
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

/** Documents the error answers a route can give, each with the service's error body. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: WHY[status] ?? 'Error',
        type: ErrorResponseBody,
        ...((status === 429 || status === 503) && { headers: RETRY_AFTER }),
      }),
    ),
  );
