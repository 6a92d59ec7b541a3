import assert from 'node:assert/strict';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { sendError } from './all-exceptions.filter.js';
import { RefusalLog } from './refusal-log.js';

function harness() {
  const lines: Array<{ level: 'error' | 'warn'; message: string; stack?: string }> = [];
  const logger = {
    error: (message: string, stack?: string) => lines.push({ level: 'error', message, stack }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
  } as unknown as Logger;
  const refusals = new RefusalLog(logger, 10_000, () => 0);
  const request = { id: 'r-1', method: 'POST', routeOptions: { url: '/widgets' } } as unknown as FastifyRequest;
  const sent: unknown[] = [];
  const reply = {
    sent: false,
    status: () => reply,
    type: () => reply,
    headers: () => reply,
    send: (body: unknown) => sent.push(body),
  } as unknown as FastifyReply;
  const fail = (error: unknown) => sendError(error, request, reply, logger, refusals);
  return { lines, sent, fail };
}

describe(sendError.name, () => {
  it('logs a 503 of ours once per interval, without a stack, and still answers each request', () => {
    const { lines, sent, fail } = harness();
    for (let i = 0; i < 1000; i++) fail(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'the journal is full'));
    assert.equal(sent.length, 1000);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'warn');
    assert.equal(lines[0].stack, undefined);
  });

  it('logs every unexpected 500 with its stack', () => {
    const { lines, fail } = harness();
    for (let i = 0; i < 3; i++) fail(new TypeError('undefined is not a function'));
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.equal(line.level, 'error');
      assert.match(line.stack ?? '', /TypeError: undefined is not a function\n\s+at /);
    }
  });

  it('answers JSON on a real Fastify route that had set another content type before it failed', async () => {
    const logger = { error: () => undefined, warn: () => undefined } as unknown as Logger;
    const app = Fastify();
    // As Nest calls the filter: from the route's own handler, the reply as the handler left it.
    app.get('/exposition', async (request, reply) => {
      void reply.header('content-type', 'text/plain; version=0.0.4');
      try {
        await Promise.reject(new TypeError('a collector failed'));
      } catch (error) {
        sendError(error, request, reply, logger, new RefusalLog(logger));
      }
      return reply;
    });
    try {
      const res = await app.inject({ url: '/exposition' });
      assert.equal(res.statusCode, 500);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      // Ours, not Fastify's FST_ERR_REP_INVALID_PAYLOAD_TYPE.
      assert.equal(res.json<{ code: string }>().code, 'INTERNAL_ERROR', res.body);
    } finally {
      await app.close();
    }
  });
});
