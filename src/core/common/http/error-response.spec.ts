import assert from 'node:assert/strict';
import { BadRequestException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { describe, it } from 'node:test';
import { AppError, ErrorCode, httpStatusOf } from '../errors/app-error.js';
import { toErrorResponse } from './error-response.js';

describe('toErrorResponse', () => {
  it('hides everything internal in a 5xx, keeping the request id', () => {
    const response = toErrorResponse(new Error('connect ECONNREFUSED postgres://u:pw@db'), 'req-1');
    assert.equal(response.status, 500);
    assert.deepEqual(response.body, { statusCode: 500, error: 'Internal Server Error', requestId: 'req-1' });
    assert.ok(response.internal);
  });

  it('hides the message of an HttpException 5xx too', () => {
    const response = toErrorResponse(new InternalServerErrorException('db password is x'), 'r');
    assert.equal(response.body.message, undefined);
  });

  it('says what was wrong in a 4xx', () => {
    const response = toErrorResponse(
      new BadRequestException(['quantity must be positive', 'side must be buy or sell']),
      'r',
    );
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.message, ['quantity must be positive', 'side must be buy or sell']);
    assert.equal(toErrorResponse(new NotFoundException('order 7 not found'), 'r').body.message, 'order 7 not found');
  });

  it('maps domain errors by code, with Retry-After on 503', () => {
    const response = toErrorResponse(
      new AppError(ErrorCode.CIRCUIT_OPEN, 'breaker quotes is open', { retryAfterSeconds: 4.2 }),
      'r',
    );
    assert.equal(response.status, 503);
    assert.equal(response.body.code, 'CIRCUIT_OPEN');
    assert.equal(response.body.message, undefined);
    assert.deepEqual(response.headers, { 'retry-after': '5' });
    const notFound = toErrorResponse(
      new AppError(ErrorCode.NOT_FOUND, 'order 7 not found', { details: { id: 7 } }),
      'r',
    );
    assert.deepEqual(
      [notFound.status, notFound.body.message, notFound.body.details],
      [404, 'order 7 not found', { id: 7 }],
    );
  });

  it('keeps the 4xx status of framework errors such as a body too large', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    assert.equal(toErrorResponse(tooLarge, 'r').status, 413);
    assert.equal(toErrorResponse('a thrown string', 'r').status, 500);
  });

  it('gives every error code a status', () => {
    for (const code of Object.values(ErrorCode)) assert.ok(httpStatusOf(code) >= 400);
  });
});
