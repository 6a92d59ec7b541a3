import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthService, IndicatorRegistration } from '../health/index.js';
import { EventsHealth } from './events.health.js';
import type { ConsumerStats } from './events.metrics.js';
import type { EventsRuntime } from './events.runtime.js';
import type { RelayStats } from './relay/outbox-relay.js';

/** The `events` indicator over a runtime whose broker, relay and consumers say what a test sets. */
function indicator(consumers: Record<string, ConsumerStats>, relay: Partial<RelayStats> = {}) {
  let registered: IndicatorRegistration | undefined;
  const health = { register: (r: IndicatorRegistration) => (registered = r) } as unknown as HealthService;
  const runtime = {
    enabled: true,
    broker: { status: () => ({ connected: true }) },
    relayStats: () => ({ pending: 0, lagSeconds: 0, relaying: true, ...relay }),
    consumerStats: () => consumers,
  } as unknown as EventsRuntime;
  new EventsHealth(health, new HealthIndicatorService(), runtime).onModuleInit();
  assert.ok(registered);
  assert.equal(registered.critical, false);
  return (async () => (await registered.check('events', new AbortController().signal)).events)();
}

describe('the events health indicator', () => {
  it("shows each consumer's lag and oldest open gap", async () => {
    const events = await indicator({ positions: { lagSeconds: 0.1234, oldestGapSeconds: 12.345 } });
    assert.equal(events.status, 'up');
    assert.deepEqual(events.consumers, { positions: { lagSeconds: 0.1, oldestGapSeconds: 12.3 } });
  });

  it('is degraded while a consumer has a stream waiting more than 15 minutes for an earlier event', async () => {
    assert.equal((await indicator({ positions: { lagSeconds: 0, oldestGapSeconds: 900 } })).status, 'up');
    const events = await indicator({ positions: { lagSeconds: 0, oldestGapSeconds: 901 } });
    assert.equal(events.status, 'degraded');
    assert.match(String(events.reason), /^consumer positions: a stream has waited 901 s for an earlier event/);
  });

  it('names the relay first when both lag', async () => {
    const events = await indicator({ positions: { lagSeconds: 0, oldestGapSeconds: 1000 } }, { lagSeconds: 60 });
    assert.equal(events.status, 'degraded');
    assert.match(String(events.reason), /relay 60 s behind/);
  });
});
