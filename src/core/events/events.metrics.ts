import type { Counter } from 'prom-client';
import type { MetricsService } from '../monitoring/index.js';
import type { RelayStats } from './relay/outbox-relay.js';

/** How a consumer settled one delivery. */
export type ConsumeResult = 'applied' | 'duplicate' | 'early' | 'failed' | 'dead_lettered' | 'unavailable';

/** What a consumer's gauges (and the `events` indicator) read of it. */
export interface ConsumerStats {
  /** The age of the last event it applied, when it was applied (0 before the first). */
  lagSeconds: number;
  /** How long its oldest open gap has waited (0: none). */
  oldestGapSeconds: number;
}

/**
 * Relay and consumer metrics. Streams are labelled by family (`order` for `order:<id>`): a label
 * per stream would be one per order. Gauges read the relay and the consumers at scrape time.
 */
export class EventsMetrics {
  private readonly publishedTotal: Counter<'family'>;
  private readonly duplicatesTotal: Counter<'family'>;
  private readonly publishFailuresTotal: Counter<'family'>;
  private readonly consumedTotal: Counter<'consumer' | 'result'>;
  private readonly consumers = new Map<string, () => ConsumerStats>();

  constructor(metrics: MetricsService, relay: () => RelayStats | undefined) {
    this.publishedTotal = metrics.counter({
      name: 'events_published_total',
      help: 'Outbox events the broker confirmed (PubAck), by stream family.',
      labelNames: ['family'],
    });
    this.duplicatesTotal = metrics.counter({
      name: 'events_redelivered_total',
      help: 'Events published again that the broker recognised by id and dropped (a relay round that died before marking them sent).',
      labelNames: ['family'],
    });
    this.publishFailuresTotal = metrics.counter({
      name: 'events_publish_failures_total',
      help: 'Events the broker did not confirm (refused, timed out, not connected): relayed again later.',
      labelNames: ['family'],
    });
    this.consumedTotal = metrics.counter({
      name: 'events_consumed_total',
      help: 'Deliveries to consumers by result: applied, duplicate (inbox), early (a gap before it), failed, dead_lettered, unavailable (no database writer).',
      labelNames: ['consumer', 'result'],
    });
    metrics.gauge({
      name: 'events_outbox_pending',
      help: 'Outbox rows waiting to be relayed (counted every second by the relaying instance).',
      collect() {
        this.set(relay()?.pending ?? 0);
      },
    });
    metrics.gauge({
      name: 'events_relay_lag_seconds',
      help: 'Age of the oldest outbox row still waiting for the broker.',
      collect() {
        this.set(relay()?.lagSeconds ?? 0);
      },
    });
    metrics.gauge({
      name: 'events_relay_active',
      help: '1 on the instance that holds the relay lock.',
      collect() {
        this.set(relay()?.relaying ? 1 : 0);
      },
    });
    const consumers = this.consumers;
    metrics.gauge({
      name: 'events_consumer_lag_seconds',
      help: 'Per consumer: age of the last event it applied when it was applied (0 before the first).',
      labelNames: ['consumer'],
      collect() {
        this.reset();
        for (const [consumer, read] of consumers) this.set({ consumer }, read().lagSeconds);
      },
    });
    metrics.gauge({
      name: 'events_consumer_oldest_gap_seconds',
      help: 'Per consumer: how long the oldest stream this instance found waiting for an earlier event has waited (0: none).',
      labelNames: ['consumer'],
      collect() {
        this.reset();
        for (const [consumer, read] of consumers) this.set({ consumer }, read().oldestGapSeconds);
      },
    });
  }

  /** A relay round's outcome for one family: confirmed new, confirmed as duplicates, refused. */
  relayed(family: string, counts: { published: number; duplicates: number; failed: number }): void {
    if (counts.published > 0) this.publishedTotal.inc({ family }, counts.published);
    if (counts.duplicates > 0) this.duplicatesTotal.inc({ family }, counts.duplicates);
    if (counts.failed > 0) this.publishFailuresTotal.inc({ family }, counts.failed);
  }

  consumed(consumer: string, result: ConsumeResult): void {
    this.consumedTotal.inc({ consumer, result });
  }

  /** A consumer's gauges, read at scrape time. */
  consumer(consumer: string, stats: () => ConsumerStats): void {
    this.consumers.set(consumer, stats);
  }
}
