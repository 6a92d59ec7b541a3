/** One event as the broker carries it: its subject, its de-duplication id and its body. */
export interface BrokerMessage {
  subject: string;
  id: string;
  data: Uint8Array;
  /** The W3C traceparent of the command that wrote the event (tracing on): a message header. */
  traceparent?: string;
}

/** The broker's answer to one publish: stored (or a duplicate of one it stored), or refused. */
export type PublishResult = { ok: true; duplicate: boolean } | { ok: false; error: string };

/** A delivered event: settled once, by ack (done), retry (again after `delayMs`) or drop. */
export interface DeliveredMessage {
  subject: string;
  data: Uint8Array;
  /** The `traceparent` header it was published with, if any. */
  traceparent?: string;
  /** Deliveries so far, this one included. */
  deliveries: number;
  ack(): void;
  retry(delayMs: number): void;
  drop(reason: string): void;
}

export interface SubscriptionOptions {
  /** The durable consumer's name: where the broker keeps this consumer's position. */
  durable: string;
  /** The subjects it reads, e.g. `events.order.>`. */
  filter: string;
  /** Deliveries without an answer before the broker sends the event again, ms. */
  ackWaitMs: number;
}

export interface BrokerStatus {
  connected: boolean;
  /** What the broker said last when it refused or could not be reached. */
  lastError?: string;
}

/** What the broker still holds on a subject. */
export interface Retained {
  bodies: Uint8Array[];
  /** False when the read stopped at its limit: more may be held. */
  complete: boolean;
}

/**
 * The broker behind the events module: publish with confirmation and de-duplication by id, and a
 * durable subscription with explicit acknowledgement. NATS JetStream implements it; another broker
 * (Kafka, RabbitMQ streams) would implement the same six members.
 */
export abstract class EventBroker {
  /** Connects in the background: boot never waits for the broker. */
  abstract start(): void;
  abstract status(): BrokerStatus;
  /** Publishes in order; one result per message, in the same order. */
  abstract publish(messages: readonly BrokerMessage[], timeoutMs: number): Promise<PublishResult[]>;
  /**
   * Delivers to `onBatch` in the broker's order, one batch at a time (what has arrived while the
   * last one was handled, at most a few hundred), until closed; resubscribes after a failure.
   */
  abstract subscribe(options: SubscriptionOptions, onBatch: (messages: DeliveredMessage[]) => Promise<void>): void;
  /**
   * The bodies of the messages the broker still holds on `subject`, oldest first, at most
   * `limit` (`complete` false when there may be more): what a consumer looks at before it gives
   * up on a gap. Throws while unreachable.
   */
  abstract retained(subject: string, limit: number): Promise<Retained>;
  abstract close(): Promise<void>;
}
