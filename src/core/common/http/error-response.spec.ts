import assert from 'node:assert/strict';
import { BadRequestException, InternalServerErrorException, NotFoundException, ValidationPipe } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { IsIn, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { describe, it } from 'node:test';
import { AppError, ErrorCode, httpStatusOf } from '../errors/app-error.js';
import { CompiledValidationPipe } from './compiled-validation.pipe.js';
import { toErrorResponse } from './error-response.js';

const KEYS = ['statusCode', 'error', 'code', 'message', 'requestId'];

class Leg {
  @IsInt()
  @Min(1)
  quantity!: number;
}

class Ticket {
  @IsString()
  name!: string;

  @IsIn(['buy', 'sell'])
  side!: string;

  @ValidateNested({ each: true })
  @Type(() => Leg)
  legs!: Leg[];
}

async function refusalOf(pipe: ValidationPipe, body: unknown): Promise<unknown> {
  try {
    await pipe.transform(body, { type: 'body', metatype: Ticket });
  } catch (error) {
    return error;
  }
  throw new Error('the pipe accepted the body');
}

describe('toErrorResponse', () => {
  it('adds the trace id last when there is one (tracing on), and no traceId key otherwise', () => {
    const traced = toErrorResponse(new NotFoundException('no such item'), 'r', '4bf92f3577b34da6a3ce929d0e0e4736').body;
    assert.deepEqual(Object.keys(traced), [...KEYS, 'traceId']);
    assert.equal(traced.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.deepEqual(Object.keys(toErrorResponse(new NotFoundException('no such item'), 'r').body), KEYS);
  });

  it('hides everything internal in a 5xx, keeping the request id, a code and a fixed message', () => {
    const response = toErrorResponse(new Error('connect ECONNREFUSED postgres://u:pw@db'), 'req-1');
    assert.equal(response.status, 500);
    assert.deepEqual(Object.keys(response.body), KEYS);
    assert.equal(response.body.code, 'INTERNAL_ERROR');
    assert.doesNotMatch(response.body.message, /ECONNREFUSED|pw/);
    assert.equal(response.body.requestId, 'req-1');
    assert.ok(response.internal);
    assert.equal(response.expected, false, 'an unexpected 500 is logged with its stack');
  });

  it('hides the message of an HttpException 5xx too', () => {
    const response = toErrorResponse(new InternalServerErrorException('db password is x'), 'r');
    assert.doesNotMatch(response.body.message, /password/);
  });

  it('says what was wrong in a 4xx, as one string even when a library gave an array', () => {
    const response = toErrorResponse(
      new BadRequestException(['quantity must be positive', 'side must be buy or sell']),
      'r',
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'VALIDATION_FAILED');
    assert.equal(response.body.message, 'quantity must be positive; side must be buy or sell');
    const notFound = toErrorResponse(new NotFoundException('widget 7 not found'), 'r').body;
    assert.deepEqual([notFound.code, notFound.message], ['NOT_FOUND', 'widget 7 not found']);
  });

  it('maps domain errors by code, with Retry-After on 503, and marks 503s of ours as expected', () => {
    const response = toErrorResponse(
      new AppError(ErrorCode.CIRCUIT_OPEN, 'breaker payments-provider is open', { retryAfterSeconds: 4.2 }),
      'r',
    );
    assert.equal(response.status, 503);
    assert.equal(response.body.code, 'CIRCUIT_OPEN');
    assert.doesNotMatch(response.body.message, /payments-provider/);
    assert.deepEqual(response.headers, { 'retry-after': '5' });
    assert.ok(response.expected);
    const notFound = toErrorResponse(
      new AppError(ErrorCode.NOT_FOUND, 'widget 7 not found', { details: { id: 'unknown' } }),
      'r',
    );
    assert.deepEqual(
      [notFound.status, notFound.body.message, notFound.body.details],
      [404, 'widget 7 not found', { id: 'unknown' }],
    );
  });

  it('gives framework and library errors a code of their status: 413, 415, 429 from the throttler', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    assert.deepEqual(
      [toErrorResponse(tooLarge, 'r').status, toErrorResponse(tooLarge, 'r').body.code],
      [413, 'PAYLOAD_TOO_LARGE'],
    );
    const mediaType = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    assert.equal(toErrorResponse(mediaType, 'r').body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const throttled = toErrorResponse(new ThrottlerException(), 'r').body;
    assert.deepEqual([throttled.statusCode, throttled.code], [429, 'RATE_LIMITED']);
    assert.doesNotMatch(throttled.message, /ThrottlerException/);
    const teapot = toErrorResponse(Object.assign(new Error('short and stout'), { statusCode: 418 }), 'r');
    assert.deepEqual([teapot.status, teapot.body.code], [418, 'BAD_REQUEST']);
    assert.equal(toErrorResponse('a thrown string', 'r').status, 500);
  });

  it("turns class-validator's errors into one 400 of ours: details per field path, reasons kept", async () => {
    const error = await refusalOf(new CompiledValidationPipe({ whitelist: true, forbidNonWhitelisted: true }), {
      name: 5,
      side: 'hold',
      legs: [{ quantity: 1 }, { quantity: 0.5 }],
      extra: true,
    });
    const { body } = toErrorResponse(error, 'r');
    assert.deepEqual(Object.keys(body), ['statusCode', 'error', 'code', 'message', 'details', 'requestId']);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.equal(typeof body.message, 'string');
    assert.deepEqual(Object.keys(body.details ?? {}).sort(), ['extra', 'legs.1.quantity', 'name', 'side']);
    assert.match(
      body.details?.['legs.1.quantity'] ?? '',
      /integer.*; .*not be less than 1|not be less than 1.*; .*integer/,
    );
    assert.match(body.details?.extra ?? '', /should not exist/);
  });

  it('gives every error code a status', () => {
    for (const code of Object.values(ErrorCode)) assert.ok(httpStatusOf(code) >= 400);
  });
});
