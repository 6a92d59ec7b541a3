import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '../errors/app-error.js';

/** The one error body of the service (see toErrorResponse), as OpenAPI describes it. */
export class ErrorResponseBody {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: 'The reason phrase of the status' })
  error: string;

  @ApiProperty({ enum: Object.values(ErrorCode), example: ErrorCode.VALIDATION_FAILED, description: 'Ours, always' })
  code: string;

  @ApiProperty({
    example: 'quantity must be a number above 0, at most 1000000000, with at most 8 decimals',
    description: 'What was wrong (4xx); a fixed sentence per code for a 5xx, which says nothing internal',
  })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { quantity: 'quantity must be a number above 0, at most 1000000000, with at most 8 decimals' },
    description: 'The problem of each field, by its path (`quantity`, `legs.0.price`): validation errors only',
  })
  details?: Record<string, string>;

  @ApiProperty({
    example: '5f0c2b9a1d3e-1k',
    description: 'Also in the x-request-id header, and in every log line of the request',
  })
  requestId: string;

  @ApiPropertyOptional({
    pattern: '^[0-9a-f]{32}$',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description:
      'With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT): the W3C trace id of the request, to find its spans in the tracing backend',
  })
  traceId?: string;
}

const WHY: Record<number, string> = {
  400: 'Invalid request: `message` and `details` say what, field by field',
  401: 'No valid credentials (`WWW-Authenticate` says why)',
  403: 'Valid credentials without the scope the route needs',
  404: 'No such resource (or not yours)',
  408: 'The request did not arrive whole within HTTP_REQUEST_TIMEOUT_MS (the connection is closed)',
  409: 'Conflicts with stored data (e.g. an idempotency key reused with other terms)',
  413: 'Body larger than HTTP_BODY_LIMIT_BYTES',
  414: 'A path parameter longer than 100 characters',
  415: 'A body that is not application/json (it is not parsed)',
  429: 'Over the rate limit; `Retry-After` says when to come back',
  431: 'Headers larger than Node allows (the connection is closed)',
  500: 'An unexpected failure: the body says nothing internal, the request id names it in the logs',
  503: 'A dependency cannot serve this now; `Retry-After` says when to retry',
  504: 'A dependency did not answer in time',
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
