import assert from 'node:assert/strict';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HealthCheckResult, HealthCheckStatus, HealthIndicatorStatus } from '@nestjs/terminus';
import type { InjectOptions } from 'fastify';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createApp } from '../../src/app.factory.js';
import { AvailabilityState, HealthService, type StatusChange } from '../../src/core/health/index.js';
import { fixtureHealth, HealthFixtureModule } from '../fixtures/health-fixture.module.js';

const TOKEN = 'health-e2e-token-0123456789abcdef';

// Terminus's own vocabularies, as values, so the checks below fail if a body strays from them.
const CHECK_STATUSES: readonly HealthCheckStatus[] = ['ok', 'error', 'degraded', 'shutting_down'];
const INDICATOR_STATUSES: readonly HealthIndicatorStatus[] = ['up', 'degraded', 'down'];

/** Asserts `body` is a Terminus HealthCheckResult: info holds up/degraded entries, error down ones, details all. */
function assertTerminusShape(body: HealthCheckResult, expected: HealthCheckStatus): void {
  assert.ok(CHECK_STATUSES.includes(body.status), `status ${body.status}`);
  assert.equal(body.status, expected);
  for (const part of ['info', 'error', 'details'] as const)
    assert.equal(typeof body[part], 'object', `${part} is present`);
  const { info = {}, error = {}, details } = body;
  for (const [name, entry] of Object.entries(details)) {
    assert.ok(INDICATOR_STATUSES.includes(entry.status), `${name}: ${entry.status}`);
    const where = entry.status === 'down' ? error : info;
    assert.deepEqual(
      where[name]?.status,
      entry.status,
      `${name} is listed under ${entry.status === 'down' ? 'error' : 'info'}`,
    );
  }
  assert.deepEqual(
    Object.keys({ ...info, ...error }).sort(),
    Object.keys(details).sort(),
    'info and error together are details',
  );
}

describe('health endpoints (Terminus shape)', () => {
  let app: NestFastifyApplication;
  const changes: StatusChange[] = [];
  const get = (url: string, headers: Record<string, string> = {}) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url, headers } as InjectOptions);

  before(async () => {
    app = await createApp({
      env: {
        LOG_LEVEL: 'fatal',
        DB_SQLITE_PATH: ':memory:',
        HEALTH_DETAILS_TOKEN: TOKEN,
        HEALTH_CHECK_TIMEOUT_MS: '300',
        HEALTH_CACHE_TTL_MS: '0',
      },
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
    assertTerminusShape(res.json(), 'ok');
    assert.deepEqual(res.json().details['fixture.critical'], { status: 'up' });
    assert.equal(res.json().details['fixture.optional'], undefined, 'non-critical components do not decide readiness');
  });

  it('answers every state in Terminus shape: all up, non-critical down, critical down', async () => {
    const allUp = await get('/health', { authorization: `Bearer ${TOKEN}` });
    assert.equal(allUp.statusCode, 200);
    assertTerminusShape(allUp.json(), 'ok');
    assert.equal(
      allUp.json().details['fixture.typeorm'].status,
      'up',
      "Terminus's TypeOrmHealthIndicator on the default DataSource",
    );
    fixtureHealth.optional = 'down';
    const optionalDown = await get('/health', { authorization: `Bearer ${TOKEN}` });
    assert.equal(optionalDown.statusCode, 200);
    assertTerminusShape(optionalDown.json(), 'degraded');
    assert.equal(optionalDown.json().error['fixture.optional'].status, 'down');
    fixtureHealth.critical = 'down';
    const criticalDown = await get('/health', { authorization: `Bearer ${TOKEN}` });
    assert.equal(criticalDown.statusCode, 503, 'the 503 keeps its Terminus body');
    assertTerminusShape(criticalDown.json(), 'error');
    assert.deepEqual(criticalDown.json().error['fixture.critical'], {
      status: 'down',
      behaviour: 'down',
      critical: true,
      durationMs: criticalDown.json().error['fixture.critical'].durationMs,
    });
    assert.equal(typeof criticalDown.json().score, 'number');
    assert.equal(typeof criticalDown.json().checkedAt, 'string');
  });

  it('answers 503 when a critical component hangs, and reports it down with reason "timeout"', async () => {
    fixtureHealth.critical = 'hang';
    const ready = await get('/health/ready');
    assert.equal(ready.statusCode, 503);
    assertTerminusShape(ready.json(), 'error');
    assert.equal(ready.json().error['fixture.critical'].status, 'down');
    const details = await get('/health', { authorization: `Bearer ${TOKEN}` });
    assert.equal(details.statusCode, 503);
    const { reason, timeoutMs } = details.json().details['fixture.critical'];
    assert.deepEqual({ reason, timeoutMs }, { reason: 'timeout', timeoutMs: 300 });
  });

  it('answers a slow component within its timeout as up', async () => {
    fixtureHealth.critical = 'slow';
    assert.equal((await get('/health/ready')).statusCode, 200);
  });

  it('stays ready and reports degraded when only a non-critical component throws', async () => {
    fixtureHealth.optional = 'throw';
    assert.equal((await get('/health/ready')).statusCode, 200);
    const res = await get('/health');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'degraded');
    assert.equal(res.json().details['fixture.optional'].status, 'down');
    const score = res.json().score as number;
    assert.ok(score > 50 && score < 100, `score ${score}: a weight-1 component is down, the weight-3 one up`);
  });

  it('stays ready with status degraded when a critical component is degraded', async () => {
    fixtureHealth.critical = 'degraded';
    const res = await get('/health/ready');
    assert.equal(res.statusCode, 200);
    assertTerminusShape(res.json(), 'degraded');
  });

  it('hides indicator data without the token, shows it with it, and refuses a wrong one', async () => {
    const anonymous = (await get('/health')).json();
    assert.deepEqual(anonymous.details['fixture.critical'], { status: 'up' });
    const granted = (await get('/health', { authorization: `Bearer ${TOKEN}` })).json();
    assert.equal(granted.details['fixture.critical'].behaviour, 'up');
    assert.equal(granted.details['fixture.critical'].critical, true);
    assert.equal(typeof granted.details['fixture.critical'].durationMs, 'number');
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

  it('answers shutting_down in Terminus shape once shutdown has begun (last: it cannot be undone)', async () => {
    app.get(AvailabilityState).beginShutdown();
    for (const url of ['/health/ready', '/health']) {
      const res = await get(url);
      assert.equal(res.statusCode, 503);
      assertTerminusShape(res.json(), 'shutting_down');
    }
    const live = await get('/health/live');
    assert.deepEqual([live.statusCode, live.json()], [503, { status: 'shutting_down' }]);
  });
});
