import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../health/index.js';
import { EventsRuntime } from './events.runtime.js';

/** Above this, the outbox is behind the broker: `events` is degraded (intake is unaffected). */
const LAG_DEGRADED_SECONDS = 30;

/**
 * `events`, when a broker is configured; never critical: a broker outage grows the outbox and
 * never stops intake. Degraded while the broker is unreachable or the relay lags.
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
      relayLagSeconds: Math.round(relay.lagSeconds * 10) / 10,
      relaying: relay.relaying,
    };
    const check = this.indicators.check(key);
    if (!broker.connected)
      return check.degraded({ ...data, reason: `broker: ${broker.lastError ?? 'not connected yet'}` });
    if (relay.lagSeconds > LAG_DEGRADED_SECONDS)
      return check.degraded({ ...data, reason: relay.lastError ?? `relay ${Math.round(relay.lagSeconds)} s behind` });
    return check.up(data);
  }
}
