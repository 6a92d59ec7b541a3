import { type DynamicModule, Global, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/index.js';
import { HealthModule } from '../health/index.js';
import { ConsumerStreamEntity, EventDeadLetterEntity, InboxEntity } from './consumer/consumer.entities.js';
import type { ConsumerSpec, EventHandler } from './consumer/event-consumer.js';
import { eventsConfig } from './events.config.js';
import { EventsHealth } from './events.health.js';
import { EventsRuntime } from './events.runtime.js';
import { eventsMigrations } from './migrations/index.js';
import { EmittedEventEntity, EventStreamEntity, OutboxEventEntity, SentEventEntity } from './outbox/outbox.entities.js';
import { OutboxRecorder } from './outbox/outbox.recorder.js';

/** What `forConsumer()` returns: one consumer and its handler. */
@Module({})
class EventsConsumerModule {}

/**
 * Order events out of the service exactly once: the outbox written in each command's transaction
 * (through the command seam: `events()` on a CommandHandler), the relay to NATS JetStream, and
 * consumers with an inbox (`EventsModule.forConsumer`). Global: a consumer module needs only
 * `forConsumer`.
 */
@Global()
@Module({
  imports: [
    ConfigModule.forFeature(eventsConfig),
    TypeOrmModule.forFeature([
      OutboxEventEntity,
      SentEventEntity,
      EmittedEventEntity,
      EventStreamEntity,
      InboxEntity,
      ConsumerStreamEntity,
      EventDeadLetterEntity,
    ]),
    DatabaseModule.forFeature({
      migrations: eventsMigrations,
    }),
    HealthModule,
  ],
  providers: [
    EventsRuntime,
    EventsHealth,
    // Found by DatabaseService as the app's CommandEventSink; none while events are off, so no row is written.
    {
      provide: OutboxRecorder,
      inject: [eventsConfig.KEY],
      useFactory: (config: ConfigType<typeof eventsConfig>) =>
        config.natsServers.length > 0 ? new OutboxRecorder() : null,
    },
  ],
  exports: [EventsRuntime],
})
export class EventsModule {
  /**
   * A consumer of the events of `families` (e.g. `['order']`): `handler` (a provider of the
   * importing module's kind) runs once per event, in stream order, in the inbox's transaction.
   */
  static forConsumer(
    spec: ConsumerSpec & {
      handler: Type<EventHandler>;
      /** What the handler's own dependencies come from (e.g. `TypeOrmModule.forFeature([...])`). */
      imports?: ModuleMetadata['imports'];
    },
  ): DynamicModule {
    const token = `events.consumer.${spec.name}`;
    return {
      module: EventsConsumerModule,
      imports: spec.imports ?? [],
      providers: [
        spec.handler,
        {
          provide: token,
          inject: [EventsRuntime, spec.handler],
          useFactory: (events: EventsRuntime, handler: EventHandler) =>
            events.consumer({ name: spec.name, families: spec.families }, handler) ?? null,
        },
      ],
    };
  }
}
