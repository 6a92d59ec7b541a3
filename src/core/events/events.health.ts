import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../health/index.js';
import { EventsRuntime } from './events.runtime.js';

/** Above this, the outbox is behind the broker: `events` is degraded (intake is unaffected). */
const LAG_DEGRADED_SECONDS = 30;
/** A consumer's stream waiting this long for an earlier event (as EventsConsumerGapOpen): degraded. */
const GAP_DEGRADED_SECONDS = 900;
const tenths = (n: number) => Math.round(n * 10) / 10;

/**
 * `events`, when a broker is configured; never critical: a broker outage grows the outbox and
 * never stops intake. Degraded while the broker is unreachable, the relay lags, or a consumer's
 * stream has waited 15 minutes for an earlier event.
 */
@Injectable()
export class EventsHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    private readonly events: EventsRuntime,
  ) {}

  onModuleInit(): void {
    if (!this.events.enabled) return;
    this.health.register({ name: 'events', critical: false, weight: 0.5, check: (key) => this.check(key) });
  }

  private check(key: string) {
    const broker = this.events.broker!.status();
    const relay = this.events.relayStats()!;
    const data = {
      broker: broker.connected ? 'connected' : 'disconnected',
      outboxPending: relay.pending,
      relayLagSeconds: tenths(relay.lagSeconds),
      relaying: relay.relaying,
      consumers: Object.fromEntries(
        Object.entries(this.events.consumerStats()).map(([name, c]) => [
          name,
          { lagSeconds: tenths(c.lagSeconds), oldestGapSeconds: tenths(c.oldestGapSeconds) },
        ]),
      ),
    };
    const check = this.indicators.check(key);
    if (!broker.connected)
      return check.degraded({ ...data, reason: `broker: ${broker.lastError ?? 'not connected yet'}` });
    if (relay.lagSeconds > LAG_DEGRADED_SECONDS)
      return check.degraded({ ...data, reason: relay.lastError ?? `relay ${Math.round(relay.lagSeconds)} s behind` });
    const stuck = Object.entries(data.consumers).find(([, c]) => c.oldestGapSeconds > GAP_DEGRADED_SECONDS);
    if (stuck)
      return check.degraded({
        ...data,
        reason: `consumer ${stuck[0]}: a stream has waited ${Math.round(stuck[1].oldestGapSeconds)} s for an earlier event`,
      });
    return check.up(data);
  }
}
