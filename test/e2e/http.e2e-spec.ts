import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.factory.js';
import { AvailabilityState } from '../../src/core/health/index.js';
import { FixtureModule } from '../fixtures/fixture.module.js';

const SECRET_PW = 'Db-Pa55-e2e-http';
const TOKEN = 'details-token-e2e-http-0123456789';

// Ours: a per-process random prefix and a counter.
const OUR_ID = /^[0-9a-f]{12}-[0-9a-z]+$/;

describe('HTTP surface (in process, Fastify inject)', () => {
  let app: NestFastifyApplication;

  before(async () => {
    app = await createApp({
      env: {
        LOG_LEVEL: 'fatal',
        DB_SQLITE_PATH: ':memory:',
        DB_PRIMARY_URL: `postgres://app:${SECRET_PW}@127.0.0.1:1/x`,
        HEALTH_DETAILS_TOKEN: TOKEN,
        HTTP_BODY_LIMIT_BYTES: '2048',
      },
      imports: [FixtureModule],
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  after(async () => app?.close());

  const inject = (options: InjectOptions) => app.getHttpAdapter().getInstance().inject(options);

  it('answers /health/live with 200', async () => {
    const res = await inject({ method: 'GET', url: '/health/live' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  it("never takes a caller's x-request-id as its own: two callers sending one id get two ids", async () => {
    const headers = { 'x-request-id': 'client-id-42' };
    const first = await inject({ method: 'GET', url: '/health/live', headers });
    const second = await inject({ method: 'GET', url: '/health/live', headers });
    assert.match(String(first.headers['x-request-id']), OUR_ID);
    assert.match(String(second.headers['x-request-id']), OUR_ID);
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
  });

  it('generates a request id when none or an unsafe one is sent', async () => {
    const none = await inject({ method: 'GET', url: '/health/live' });
    assert.match(String(none.headers['x-request-id']), OUR_ID);
    const unsafe = await inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'x'.repeat(300) } });
    assert.match(String(unsafe.headers['x-request-id']), OUR_ID);
  });

  it('answers a 5xx with nothing internal, only status and request id', async () => {
    const res = await inject({ method: 'GET', url: '/fixture/crash', headers: { 'x-request-id': 'crash-1' } });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['statusCode', 'error', 'code', 'message', 'requestId']);
    assert.deepEqual(
      [body.statusCode, body.error, body.code, body.requestId],
      [500, 'Internal Server Error', 'INTERNAL_ERROR', res.headers['x-request-id']],
    );
    assert.doesNotMatch(res.body, /ECONNREFUSED|Pa55|token/);
  });

  it('maps a dependency failure to 503 with Retry-After and its code', async () => {
    const res = await inject({ method: 'GET', url: '/fixture/unavailable' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '2');
    assert.equal(res.json().code, 'DEPENDENCY_UNAVAILABLE');
    assert.doesNotMatch(res.json().message, /primary/, 'a fixed sentence, not the cause');
  });

  it('answers 400 naming each bad field in details, in the body of our own 400s', async () => {
    const res = await inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: { name: 5, quantity: 0, side: 'hold', extra: 1 },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.equal(typeof body.message, 'string');
    assert.deepEqual(Object.keys(body.details).sort(), ['extra', 'name', 'quantity', 'side']);
    assert.match(body.details.quantity, /not be less than 1/);
    assert.equal(body.requestId, res.headers['x-request-id']);
  });

  it('answers 400 to malformed JSON and 413 to a body over the limit', async () => {
    const malformed = await inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().code, 'BAD_REQUEST');
    assert.ok(malformed.json().requestId);
    const large = await inject({
      method: 'POST',
      url: '/fixture/echo',
      payload: { name: 'x'.repeat(4096), quantity: 1, side: 'buy' },
    });
    assert.equal(large.statusCode, 413);
    assert.equal(large.json().code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 with the same body shape', async () => {
    const res = await inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'nf-1' } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual([res.json().code, typeof res.json().message], ['NOT_FOUND', 'string']);
    assert.equal(res.json().requestId, res.headers['x-request-id']);
  });

  it('turns readiness to 503 once shutdown begins', async () => {
    assert.equal((await inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
    app.get(AvailabilityState).beginShutdown();
    const res = await inject({ method: 'GET', url: '/health/ready' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().status, 'shutting_down');
  });
});
