export { EventsModule } from './events.module.js';
export { EventsRuntime } from './events.runtime.js';
export { eventsConfig } from './events.config.js';
export type { EventEnvelope } from './event-envelope.js';
export type { EventHandler, ConsumerSpec } from './consumer/event-consumer.js';
export { EventBroker, type BrokerMessage, type PublishResult, type DeliveredMessage } from './broker/event-broker.js';
export { eventsDeadLettersCommand } from './events-dead-letters.command.js';
