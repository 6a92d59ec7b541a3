import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createApp } from '../../src/app.factory.js';
import { CircuitBreakerRegistry, CircuitState } from '../../src/core/circuit-breaker/index.js';
import { MARKET_DATA_BREAKER } from '../../src/modules/quotes/index.js';
import { HttpUpstream, waitFor } from '../harness/index.js';

const TOKEN = 'quotes-e2e-operator-token-0123456789';

describe('quotes through timeout, retry and a circuit breaker, against a real HTTP upstream', () => {
  let app: NestFastifyApplication;
  let upstream: HttpUpstream;
  const request = (url: string, options: Partial<InjectOptions> = {}) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url, ...options } as InjectOptions);
  const breaker = () => app.get(CircuitBreakerRegistry).get(MARKET_DATA_BREAKER);

  before(async () => {
    upstream = await HttpUpstream.start();
    app = await createApp({
      env: {
        LOG_LEVEL: 'fatal',
        DB_SQLITE_PATH: ':memory:',
        MARKET_DATA_URL: upstream.url,
        MARKET_DATA_TIMEOUT_MS: '200',
        MARKET_DATA_RETRIES: '1',
        MARKET_DATA_CACHE_TTL_MS: '0',
        HEALTH_DETAILS_TOKEN: TOKEN,
        HEALTH_CACHE_TTL_MS: '0',
        CB_OVERRIDES: JSON.stringify({
          [MARKET_DATA_BREAKER]: {
            windowSize: 10,
            minimumCalls: 4,
            failureRateThreshold: 50,
            waitInOpenMs: 400,
            halfOpenCalls: 1,
          },
        }),
      },
    });
    await app.init();
  });
  after(async () => {
    await app?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.mode = 'ok';
    breaker().reset('test reset');
  });

  it('serves a fresh price from the provider', async () => {
    const res = await request('/quotes/aapl');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual([body.symbol, body.price, body.stale], ['AAPL', 100, false]);
  });

  it('answers 400 for a symbol not traded, without asking the provider', async () => {
    const hits = upstream.hits;
    const res = await request('/quotes/NOPE');
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /not traded/);
    assert.equal(upstream.hits, hits);
  });

  it('opens on failures, then rejects without calling the provider while serving the last price as stale', async () => {
    await request('/quotes/AAPL');
    upstream.mode = 'fail';
    for (let i = 0; i < 4 && breaker().state === CircuitState.CLOSED; i++) {
      const res = await request('/quotes/AAPL');
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().stale, true);
    }
    assert.equal(breaker().state, CircuitState.OPEN);
    const hits = upstream.hits;
    const res = await request('/quotes/AAPL');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().stale, true);
    assert.ok(res.json().ageMs >= 0);
    assert.equal(upstream.hits, hits, 'no call while open');
  });

  it('answers 503 with Retry-After when open and no price is known', async () => {
    breaker().forceOpen('test');
    const res = await request('/quotes/TSLA');
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'CIRCUIT_OPEN');
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });

  it('half-opens after the wait and closes when the provider has recovered', async () => {
    upstream.mode = 'fail';
    while (breaker().state === CircuitState.CLOSED) await request('/quotes/MSFT');
    assert.equal(breaker().state, CircuitState.OPEN);
    upstream.mode = 'ok';
    await waitFor('the wait in open', async () => breaker().advance() === CircuitState.HALF_OPEN, 5000, 50);
    const res = await request('/quotes/MSFT');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().stale, false);
    assert.equal(breaker().state, CircuitState.CLOSED);
  });

  it('never waits on a hanging provider past the timeouts', async () => {
    upstream.mode = 'hang';
    const started = performance.now();
    const res = await request('/quotes/GOOG');
    const elapsedMs = performance.now() - started;
    assert.equal(res.statusCode, 503);
    // Two attempts of 200 ms and a short backoff between them: a bound, with room for a slow machine.
    assert.ok(elapsedMs < 2000, `answered after ${Math.round(elapsedMs)} ms, not after the hang`);
    assert.ok(elapsedMs >= 400, `both attempts waited out their timeout (${Math.round(elapsedMs)} ms)`);
    assert.equal(breaker().counters.failure >= 2, true, 'the attempt and its retry both timed out');
    assert.equal(breaker().history().at(-1)?.errorClass, 'timeout');
  });

  it('counts a malformed answer as an upstream failure', async () => {
    upstream.mode = 'malformed';
    const res = await request('/quotes/AMZN');
    assert.equal(res.statusCode, 503);
    assert.equal(breaker().history().at(-1)?.errorClass, 'upstream-5xx');
  });

  it('lets an operator force open and reset, with the token only', async () => {
    const denied = await request(`/admin/circuit-breakers/${MARKET_DATA_BREAKER}/force-open`, { method: 'POST' });
    assert.equal(denied.statusCode, 401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const forced = await request(`/admin/circuit-breakers/${MARKET_DATA_BREAKER}/force-open`, {
      method: 'POST',
      headers: auth,
    });
    assert.equal(forced.statusCode, 200);
    assert.equal(forced.json().state, 'FORCED_OPEN');
    const health = (await request('/health', { headers: auth })).json();
    assert.equal(health.details.circuitBreakers.status, 'degraded');
    const metrics = (await request('/metrics')).body;
    assert.match(metrics, /circuit_breaker_state\{name="marketData",state="FORCED_OPEN"\} 1/);
    const reset = await request(`/admin/circuit-breakers/${MARKET_DATA_BREAKER}/reset`, {
      method: 'POST',
      headers: auth,
    });
    assert.equal(reset.json().state, 'CLOSED');
    assert.equal(
      (await request('/admin/circuit-breakers/nope/reset', { method: 'POST', headers: auth })).statusCode,
      404,
    );
  });
});

describe('quotes for many callers through one provider (single flight, back-pressure, a budget per caller)', () => {
  let upstream: HttpUpstream;
  const apps: NestFastifyApplication[] = [];
  const boot = async (env: Record<string, string>) => {
    const app = await createApp({
      env: {
        LOG_LEVEL: 'fatal',
        DB_SQLITE_PATH: ':memory:',
        MARKET_DATA_URL: upstream.url,
        MARKET_DATA_TIMEOUT_MS: '500',
        MARKET_DATA_CACHE_TTL_MS: '0',
        ...env,
      },
    });
    await app.init();
    apps.push(app);
    return (url: string, remoteAddress: string) =>
      app.getHttpAdapter().getInstance().inject({ method: 'GET', url, remoteAddress });
  };

  before(async () => {
    upstream = await HttpUpstream.start();
  });
  after(async () => {
    for (const app of apps) await app.close();
    await upstream?.close();
  });

  it('makes one provider call per symbol at a time, pauses on its 429s, and keeps the breaker closed', async () => {
    const request = await boot({ RATE_LIMIT_QUOTES_PER_MINUTE: '0' });
    upstream.slowMs = 50;
    upstream.mode = 'slow';
    upstream.allowPerSecond = 5;
    upstream.hits = 0;
    upstream.refused = 0;
    await request('/quotes/AAPL', '10.0.0.1');
    const until = Date.now() + 2000;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        while (Date.now() < until) {
          statuses.push((await request('/quotes/AAPL', `10.0.1.${i}`)).statusCode);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    // Twenty callers, each waiting on a 50 ms provider: without single flight, ~800 calls in 2 s.
    assert.ok(upstream.hits <= 45, `provider calls: ${upstream.hits}`);
    // Without the pause, every call past 5 a second would be refused.
    assert.ok(upstream.refused <= 4, `refused by the provider: ${upstream.refused} of ${upstream.hits}`);
    assert.ok(
      statuses.every((status) => status === 200),
      'every caller got a price, fresh or the last one marked stale',
    );
    const state = apps[0].get(CircuitBreakerRegistry).get(MARKET_DATA_BREAKER).state;
    assert.equal(state, CircuitState.CLOSED, "the provider's refusals are back-pressure, not a failure for everybody");
  });

  it("gives each caller a quotes budget of its own: one caller's flood leaves the others served", async () => {
    upstream.mode = 'ok';
    upstream.allowPerSecond = Number.POSITIVE_INFINITY;
    const request = await boot({ RATE_LIMIT_QUOTES_PER_MINUTE: '5' });
    const hot = [];
    for (let i = 0; i < 6; i++) hot.push((await request('/quotes/MSFT', '10.0.2.1')).statusCode);
    assert.deepEqual(hot, [200, 200, 200, 200, 200, 429]);
    const over = await request('/quotes/MSFT', '10.0.2.1');
    assert.ok(Number(over.headers['retry-after']) >= 1);
    assert.equal((await request('/quotes/MSFT', '10.0.2.2')).statusCode, 200, 'another caller is still served');
  });
});
