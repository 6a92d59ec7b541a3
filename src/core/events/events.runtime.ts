import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DatabaseService } from '../database/index.js';
import { MetricsService } from '../monitoring/index.js';
import type { EventBroker } from './broker/event-broker.js';
import { NatsBroker } from './broker/nats-broker.js';
import { type ConsumerSpec, EventConsumer, type EventHandler } from './consumer/event-consumer.js';
import { eventsConfig } from './events.config.js';
import { ConsumerDeadLetters } from './consumer/consumer-dead-letters.js';
import { type ConsumerStats, EventsMetrics } from './events.metrics.js';
import { OutboxRelay, type RelayStats } from './relay/outbox-relay.js';

/**
 * The events module at run time: the broker client, the relay and the consumers, started once the
 * app is up (the broker may still be down: it connects in the background) and stopped at shutdown.
 * With no broker configured (EVENTS_NATS_URL unset) nothing runs and no outbox row is written.
 */
@Injectable()
export class EventsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly broker?: EventBroker;
  readonly relay?: OutboxRelay;
  readonly metrics: EventsMetrics;
  private readonly consumers: EventConsumer[] = [];
  private readonly handlers = new Map<string, EventHandler>();
  /** The consumers' dead letters, for operators (also with events off: the rows stay in Postgres). */
  readonly deadLetters: ConsumerDeadLetters;

  constructor(
    @Inject(eventsConfig.KEY) private readonly config: ConfigType<typeof eventsConfig>,
    private readonly database: DatabaseService,
    metrics: MetricsService,
  ) {
    this.metrics = new EventsMetrics(metrics, () => this.relay?.stats());
    this.deadLetters = new ConsumerDeadLetters(database, this.handlers);
    if (config.natsServers.length === 0) return;
    this.broker = new NatsBroker({
      servers: config.natsServers,
      stream: config.stream,
      subjectPrefix: config.subjectPrefix,
      duplicateWindowMs: config.duplicateWindowMs,
      maxAgeMs: config.streamMaxAgeMs,
      maxBytes: config.streamMaxBytes,
      name: 'trading-service-core',
    });
    this.relay = new OutboxRelay(database, this.broker, config, this.metrics);
  }

  get enabled(): boolean {
    return this.broker !== undefined;
  }

  relayStats(): RelayStats | undefined {
    return this.relay?.stats();
  }

  /** The consumers this instance runs, by name. */
  consumerStats(): Record<string, ConsumerStats> {
    return Object.fromEntries(this.consumers.map((c) => [c.name, c.stats()]));
  }

  /** A consumer of `spec`'s streams, started with the app when events are on. */
  consumer(spec: ConsumerSpec, handler: EventHandler): EventConsumer | undefined {
    if (this.handlers.has(spec.name)) throw new Error(`two event consumers named "${spec.name}"`);
    this.handlers.set(spec.name, handler);
    if (!this.broker || !this.config.consumersEnabled) return undefined;
    const consumer = new EventConsumer(spec, handler, this.database, this.broker, this.config, this.metrics);
    this.consumers.push(consumer);
    return consumer;
  }

  onApplicationBootstrap(): void {
    if (!this.broker) return;
    this.broker.start();
    this.relay!.start();
    for (const consumer of this.consumers) consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.relay?.stop();
    for (const consumer of this.consumers) consumer.stop();
    await this.broker?.close();
  }
}
