import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createApp } from '../../src/app.factory.js';
import { HealthService, type StatusChange } from '../../src/core/health/index.js';
import { fixtureHealth, HealthFixtureModule } from '../fixtures/health-fixture.module.js';

const TOKEN = 'health-e2e-token-0123456789abcdef';

describe('health endpoints', () => {
  let app: NestFastifyApplication;
  const changes: StatusChange[] = [];
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers } as InjectOptions);

  before(async () => {
    app = await createApp({
      env: { LOG_LEVEL: 'fatal', DB_SQLITE_PATH: ':memory:', HEALTH_DETAILS_TOKEN: TOKEN, HEALTH_CHECK_TIMEOUT_MS: '300', HEALTH_CACHE_TTL_MS: '0' },
      imports: [HealthFixtureModule],
    });
    await app.init();
    app.get(HealthService).onStatusChange((c) => changes.push(c));
  });
  after(async () => app?.close());
  beforeEach(() => {
    fixtureHealth.critical = 'up';
    fixtureHealth.optional = 'up';
  });

  it('is ready when every critical component is up, listing only critical ones', async () => {
    const res = await get('/health/ready');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'up');
    assert.deepEqual(res.json().components['fixture.critical'], { status: 'up' });
    assert.equal(res.json().components['fixture.optional'], undefined, 'non-critical components do not decide readiness');
  });

  it('answers 503 when a critical component hangs, and reports it down with reason "timeout"', async () => {
    fixtureHealth.critical = 'hang';
    const ready = await get('/health/ready');
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().components['fixture.critical'].status, 'down');
    const details = await get('/health', { authorization: `Bearer ${TOKEN}` });
    assert.equal(details.statusCode, 503);
    assert.deepEqual(details.json().components['fixture.critical'].details, { reason: 'timeout', timeoutMs: 300 });
  });

  it('answers a slow component within its timeout as up', async () => {
    fixtureHealth.critical = 'slow';
    assert.equal((await get('/health/ready')).statusCode, 200);
  });

  it('stays ready and reports degraded when only a non-critical component is down', async () => {
    fixtureHealth.optional = 'throw';
    assert.equal((await get('/health/ready')).statusCode, 200);
    const res = await get('/health');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'degraded');
    assert.equal(res.json().components['fixture.optional'].status, 'down');
    const score = res.json().score as number;
    assert.ok(score > 50 && score < 100, `score ${score}: the weight-1 component is down, the weight-3 one up`);
  });

  it('stays ready with status degraded when a critical component is degraded', async () => {
    fixtureHealth.critical = 'degraded';
    const res = await get('/health/ready');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'degraded');
  });

  it('hides details without the token, shows them with it, and refuses a wrong one', async () => {
    const anonymous = (await get('/health')).json();
    assert.deepEqual(anonymous.components['fixture.critical'], { status: 'up' });
    const granted = (await get('/health', { authorization: `Bearer ${TOKEN}` })).json();
    assert.deepEqual(granted.components['fixture.critical'].details, { behaviour: 'up' });
    assert.equal(granted.components['fixture.critical'].critical, true);
    const denied = await get('/health', { authorization: 'Bearer not-the-token' });
    assert.equal(denied.statusCode, 401);
    assert.doesNotMatch(denied.body, /behaviour/);
  });

  it('tells listeners of each status change once', async () => {
    changes.length = 0;
    fixtureHealth.critical = 'down';
    await get('/health/ready');
    await get('/health/ready');
    fixtureHealth.critical = 'up';
    await get('/health/ready');
    const critical = changes.filter((c) => c.component === 'fixture.critical').map((c) => `${c.from}>${c.to}`);
    assert.deepEqual(critical, ['up>down', 'down>up']);
  });
});
