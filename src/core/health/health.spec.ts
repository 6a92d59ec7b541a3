import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComponentStatusTracker, type StatusChange } from './component-status.tracker.js';
import { detailsAccess } from './details-access.js';
import { EventLoopWatch } from './event-loop.watch.js';
import { aggregateStatus, healthScore, httpStatusFor } from './health.aggregator.js';
import { HealthCheckRunner } from './health-check.runner.js';
import { HealthIndicatorService } from '@nestjs/terminus';
import { secretRedactor } from '../common/index.js';
import type { ComponentReport, HealthStatus, IndicatorRegistration } from './health.types.js';

const report = (status: ComponentReport['status'], critical: boolean): ComponentReport => ({
  status,
  critical,
  durationMs: 0,
});
const terminus = new HealthIndicatorService();

type Check = (signal: AbortSignal) => Promise<{ status: HealthStatus } & Record<string, unknown>>;
function indicator(name: string, check: Check, critical = true): IndicatorRegistration {
  return {
    name,
    critical,
    check: async (key, signal) => {
      const { status, ...data } = await check(signal);
      return status === 'up'
        ? terminus.check(key).up(data)
        : status === 'degraded'
          ? terminus.check(key).degraded(data)
          : terminus.check(key).down(data);
    },
  };
}

describe('health aggregation', () => {
  it('is down only when a critical component is down', () => {
    assert.equal(aggregateStatus([report('up', true), report('down', true)]), 'error');
    assert.equal(aggregateStatus([report('up', true), report('down', false)]), 'degraded');
    assert.equal(aggregateStatus([report('up', true), report('degraded', true)]), 'degraded');
    assert.equal(aggregateStatus([report('up', true), report('up', false)]), 'ok');
    assert.equal(aggregateStatus([]), 'ok');
  });

  it('maps error and shutting_down to 503, ok and degraded to 200', () => {
    assert.deepEqual(
      [httpStatusFor('ok'), httpStatusFor('degraded'), httpStatusFor('error'), httpStatusFor('shutting_down')],
      [200, 200, 503, 503],
    );
  });

  it('scores by weight: up 1, degraded 0.5, down 0', () => {
    assert.equal(
      healthScore([
        { ...report('up', true), weight: 3 },
        { ...report('down', false), weight: 1 },
      ]),
      75,
    );
    assert.equal(healthScore([{ ...report('degraded', true), weight: 1 }]), 50);
    assert.equal(healthScore([]), 100);
  });
});

describe(HealthCheckRunner.name, () => {
  it('reports a hung indicator down with reason "timeout" and still answers', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let aborted = false;
    const runner = new HealthCheckRunner({ defaultTimeoutMs: 200, cacheTtlMs: 0 }, new ComponentStatusTracker());
    const pending = runner.run('g', [
      indicator('hung', (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true)))),
      indicator('fine', async () => ({ status: 'up' })),
    ]);
    // Let the fine indicator answer first: only the hung one should meet the timeout.
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(200);
    const result = await pending;
    assert.equal(result.status, 'error');
    const { status, reason, timeoutMs } = result.error.hung;
    assert.deepEqual({ status, reason, timeoutMs }, { status: 'down', reason: 'timeout', timeoutMs: 200 });
    assert.equal(result.info.fine.status, 'up');
    assert.ok(aborted, 'the hung check was told to give up');
  });

  it('reports a throwing indicator down with its message, secrets scrubbed by the redactor', async () => {
    const secret = 'health-spec-secret-pw-4711';
    secretRedactor.register([secret]);
    const runner = new HealthCheckRunner({ defaultTimeoutMs: 1000, cacheTtlMs: 0 }, new ComponentStatusTracker());
    const result = await runner.run('g', [
      indicator('db', async () => {
        throw new Error(`ECONNREFUSED postgres://app:${secret}@db:5432/x`);
      }),
      indicator('said', async () => ({ status: 'down', reason: `login failed with ${secret}` })),
    ]);
    const { status, reason, message } = result.error.db;
    assert.equal(status, 'down');
    assert.equal(reason, 'error');
    assert.match(String(message), /^ECONNREFUSED postgres:\/\/app:/);
    assert.doesNotMatch(
      JSON.stringify(result),
      new RegExp(secret),
      "neither a thrown message nor an indicator's own data leaks it",
    );
  });

  it('reuses a report within the TTL and runs one check at a time', async () => {
    let now = 0;
    let calls = 0;
    const runner = new HealthCheckRunner(
      { defaultTimeoutMs: 1000, cacheTtlMs: 1000, now: () => now },
      new ComponentStatusTracker(),
    );
    const indicators = [
      indicator('x', async () => {
        calls += 1;
        return { status: 'up' };
      }),
    ];
    await Promise.all([runner.run('g', indicators), runner.run('g', indicators), runner.run('g', indicators)]);
    assert.equal(calls, 1);
    now = 999;
    await runner.run('g', indicators);
    assert.equal(calls, 1);
    now = 2001;
    await runner.run('g', indicators);
    assert.equal(calls, 2);
  });

  it('keeps degraded apart from down, weighting the score', async () => {
    const runner = new HealthCheckRunner({ defaultTimeoutMs: 1000, cacheTtlMs: 0 }, new ComponentStatusTracker());
    const result = await runner.run('g', [
      indicator('a', async () => ({ status: 'degraded', mode: 'fallback' })),
      indicator('b', async () => ({ status: 'up' })),
    ]);
    assert.equal(result.status, 'degraded');
    assert.equal(result.score, 75);
    assert.equal(result.info.a.mode, 'fallback');
    assert.equal(result.info.a.status, 'degraded');
  });
});

describe(ComponentStatusTracker.name, () => {
  it('calls listeners once per change, not on every check', () => {
    const tracker = new ComponentStatusTracker(() => new Date(0));
    const changes: StatusChange[] = [];
    tracker.onChange((c) => changes.push(c));
    for (const status of ['up', 'up', 'down', 'down', 'down', 'degraded', 'up', 'up'] as const)
      tracker.update('db', status, status === 'down' ? 'timeout' : undefined);
    assert.deepEqual(
      changes.map((c) => `${c.from ?? '-'}>${c.to}`),
      ['->up', 'up>down', 'down>degraded', 'degraded>up'],
    );
    assert.equal(changes[1].reason, 'timeout');
  });

  it('keeps calling the other listeners when one throws', () => {
    const tracker = new ComponentStatusTracker();
    let called = false;
    tracker.onChange(() => {
      throw new Error('listener bug');
    });
    tracker.onChange(() => (called = true));
    tracker.update('x', 'down');
    assert.ok(called);
  });

  it('stops calling a removed listener', () => {
    const tracker = new ComponentStatusTracker();
    let calls = 0;
    const off = tracker.onChange(() => (calls += 1));
    tracker.update('x', 'down');
    off();
    tracker.update('x', 'up');
    assert.equal(calls, 1);
  });
});

describe('detailsAccess', () => {
  const token = 'the-right-token-0123456789';
  it('grants the right bearer token, denies a wrong one, and leaves no header anonymous', () => {
    assert.equal(detailsAccess(`Bearer ${token}`, token), 'granted');
    assert.equal(detailsAccess('Bearer wrong', token), 'denied');
    assert.equal(detailsAccess(`Basic ${token}`, token), 'denied');
    assert.equal(detailsAccess(undefined, token), 'anonymous');
  });

  it('grants nothing when no token is configured', () => {
    assert.equal(detailsAccess('Bearer anything', undefined), 'denied');
  });
});

describe(EventLoopWatch.name, () => {
  it('reports a stall once a tick comes late, and recovers on the next timely tick', () => {
    let now = 0;
    const watch = new EventLoopWatch(1000, 250, () => now);
    now = 250;
    watch.tick();
    assert.equal(watch.isStalled(), false);
    now = 250 + 250 + 1500;
    watch.tick();
    assert.equal(watch.isStalled(), true);
    assert.equal(watch.lagMs, 1500);
    now += 250;
    watch.tick();
    assert.equal(watch.isStalled(), false);
  });

  it('reports a stall in progress when no tick has come for too long', () => {
    let now = 0;
    const watch = new EventLoopWatch(1000, 250, () => now);
    now = 2000;
    assert.equal(watch.isStalled(), true);
  });
});
