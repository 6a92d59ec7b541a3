import { Logger } from '@nestjs/common';
import { connect, createInbox, headers, type Msg, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  type MsgRequest,
} from '@nats-io/jetstream';
import { secretRedactor } from '../../common/index.js';
import {
  type BrokerMessage,
  type BrokerStatus,
  type DeliveredMessage,
  EventBroker,
  type PublishResult,
  type Retained,
  type SubscriptionOptions,
} from './event-broker.js';
import { BATCH_MAX, NatsPump } from './nats-pump.js';

export interface NatsBrokerOptions {
  servers: string[];
  stream: string;
  /** The stream's subjects: `<prefix>.>`. */
  subjectPrefix: string;
  duplicateWindowMs: number;
  /** Events older than this are removed from the stream; 0: kept until deleted. */
  maxAgeMs: number;
  /** The stream's size limit, bytes; 0: none. When full, new events are refused (discard new), none dropped. */
  maxBytes: number;
  name: string;
}

const RESUBSCRIBE_MS = 1000;
// The longest close() waits for the batches being applied.
const CLOSE_WAIT_MS = 5000;
const message = (error: unknown) => secretRedactor.describe(error);
const NO_RESPONDERS = 503;

const UTF8 = new TextDecoder();

/** A JetStream PubAck (or its error) as the port's result. */
function pubAck(msg: Msg): PublishResult {
  if (msg.headers?.code === NO_RESPONDERS) return { ok: false, error: 'no responders: stream not found' };
  try {
    const ack = JSON.parse(UTF8.decode(msg.data)) as {
      stream?: string;
      duplicate?: boolean;
      error?: { description?: string };
    };
    if (ack.error) return { ok: false, error: ack.error.description ?? 'refused' };
    if (!ack.stream) return { ok: false, error: 'invalid ack response' };
    return { ok: true, duplicate: ack.duplicate === true };
  } catch {
    return { ok: false, error: 'invalid ack response' };
  }
}

/**
 * PubAcks for many publishes: one subscription on an inbox of its own, each publish's reply
 * subject a token under it, and one timer per batch. A JetStream publish is a request to the
 * stream's subject; the client's `js.publish` makes a request object, two errors (for their
 * stacks) and a timer per message, most of the relay's cost per event here.
 */
class PubAcks {
  private readonly prefix = createInbox();
  private readonly waiting = new Map<string, (result: PublishResult) => void>();
  private next = 0;

  constructor(private readonly connection: NatsConnection) {
    connection.subscribe(`${this.prefix}.*`, {
      callback: (error, msg) => {
        if (error) return;
        const token = msg.subject.slice(this.prefix.length + 1);
        const settle = this.waiting.get(token);
        this.waiting.delete(token);
        settle?.(pubAck(msg));
      },
    });
  }

  /** Publishes back to back, in order, each with its de-duplication id; every result by `timeoutMs`. */
  publish(messages: readonly BrokerMessage[], timeoutMs: number): Promise<PublishResult[]> {
    const tokens: string[] = [];
    const settleAll = (result: PublishResult) => {
      for (const token of tokens) {
        const settle = this.waiting.get(token);
        this.waiting.delete(token);
        settle?.(result);
      }
    };
    const timer = setTimeout(() => settleAll({ ok: false, error: 'timeout waiting for the PubAck' }), timeoutMs);
    timer.unref();
    const results = messages.map((m) => {
      const token = String(++this.next);
      tokens.push(token);
      const result = new Promise<PublishResult>((resolve) => this.waiting.set(token, resolve));
      try {
        const h = headers();
        h.set('Nats-Msg-Id', m.id);
        if (m.traceparent) h.set('traceparent', m.traceparent);
        this.connection.publish(m.subject, m.data, { headers: h, reply: `${this.prefix}.${token}` });
      } catch (error) {
        // This message only (too large, the connection closing): the others keep their PubAcks.
        this.waiting.delete(token);
        return Promise.resolve<PublishResult>({ ok: false, error: message(error) });
      }
      return result;
    });
    return Promise.all(results).finally(() => clearTimeout(timer));
  }
}

/**
 * NATS JetStream: a file-backed stream over `<prefix>.>` that de-duplicates on `Nats-Msg-Id`
 * within the window, publishes confirmed by a PubAck, and durable pull consumers with explicit acks.
 * The client reconnects forever; a stream lost with its server's storage is created again.
 */
export class NatsBroker extends EventBroker {
  private readonly logger = new Logger('Events');
  private connection?: NatsConnection;
  private js?: JetStreamClient;
  // The manager `retained` reads with, made once per connection.
  private manager?: { connection: NatsConnection; jsm: JetStreamManager };
  private acks?: PubAcks;
  private streamReady?: Promise<void>;
  private lastError?: string;
  // Between a disconnect and the reconnect: kept apart from lastError, which any failure may overwrite.
  private disconnected = false;
  private closed = false;
  private readonly subscriptions = new Set<{ stop(): void; idle(): Promise<void> }>();

  constructor(private readonly options: NatsBrokerOptions) {
    super();
  }

  start(): void {
    void connect({
      servers: this.options.servers,
      name: this.options.name,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 2000,
    }).then(
      (connection) => {
        if (this.closed) return void connection.close();
        this.connection = connection;
        this.js = jetstream(connection);
        this.acks = new PubAcks(connection);
        this.logger.log(`connected to NATS ${connection.getServer()}`);
        void this.watch(connection);
      },
      (error: unknown) => {
        this.lastError = message(error);
        this.logger.error(`NATS connection failed for good: ${this.lastError}`);
      },
    );
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const s of connection.status()) {
      if (s.type === 'disconnect') {
        this.disconnected = true;
        this.lastError = 'disconnected';
        this.logger.warn('NATS disconnected; reconnecting');
      } else if (s.type === 'reconnect') {
        this.disconnected = false;
        this.lastError = undefined;
        this.logger.log('NATS reconnected');
      }
    }
  }

  status(): BrokerStatus {
    const connected = this.connection !== undefined && !this.connection.isClosed() && !this.disconnected;
    return { connected, ...(this.lastError && { lastError: this.lastError }) };
  }

  async publish(messages: readonly BrokerMessage[], timeoutMs: number): Promise<PublishResult[]> {
    const js = this.js;
    if (!js || !this.status().connected) return messages.map(() => ({ ok: false, error: 'not connected' }));
    try {
      await this.ensureStream();
    } catch (error) {
      return messages.map(() => ({ ok: false, error: message(error) }));
    }
    // Sent back to back on one connection, so the server stores them in this order.
    let results: PublishResult[];
    try {
      results = await this.acks!.publish(messages, timeoutMs);
    } catch (error) {
      results = messages.map(() => ({ ok: false, error: message(error) }));
    }
    for (const result of results) {
      if (result.ok) continue;
      this.lastError = result.error;
      // A server that lost its storage lost the stream too: it is created again before the next round.
      if (/no responders|stream not found/i.test(result.error)) this.streamReady = undefined;
    }
    return results;
  }

  private ensureStream(): Promise<void> {
    this.streamReady ??= this.createStream().catch((error: unknown) => {
      this.streamReady = undefined;
      throw error;
    });
    return this.streamReady;
  }

  private async createStream(): Promise<void> {
    const jsm = await jetstreamManager(this.connection!);
    const { stream, subjectPrefix, duplicateWindowMs, maxAgeMs, maxBytes } = this.options;
    // Full: refuse new events (the relay keeps them in the outbox and retries) rather than drop
    // the oldest, which a consumer not yet past them would see as a gap forever.
    const config = {
      subjects: [`${subjectPrefix}.>`],
      duplicate_window: nanos(duplicateWindowMs),
      max_age: nanos(maxAgeMs),
      max_bytes: maxBytes > 0 ? maxBytes : -1,
      discard: DiscardPolicy.New,
    };
    // Made only when it is not there: a refused update (a limit over the account's) or a timeout
    // is reported as itself, not as the add that would then fail for a name in use.
    const exists = await jsm.streams.info(stream).then(
      () => true,
      (error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
        throw error;
      },
    );
    if (exists) await jsm.streams.update(stream, config);
    else await jsm.streams.add({ name: stream, ...config });
  }

  subscribe(options: SubscriptionOptions, onBatch: (messages: DeliveredMessage[]) => Promise<void>): void {
    let stopped = false;
    let current: { stop(): void } | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const handle = {
      stop: () => {
        stopped = true;
        current?.stop();
      },
      idle: () => inFlight,
    };
    // The batch being applied, so that close() can let it finish (and ack) before the connection goes.
    const tracked = (batch: DeliveredMessage[]) => (inFlight = onBatch(batch));
    this.subscriptions.add(handle);
    const loop = async () => {
      while (!stopped && !this.closed) {
        try {
          if (!this.js || !this.status().connected) throw new Error('not connected');
          await this.ensureStream();
          const jsm = await jetstreamManager(this.connection!);
          await jsm.consumers.add(this.options.stream, {
            durable_name: options.durable,
            filter_subject: options.filter,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
            ack_wait: nanos(options.ackWaitMs),
            // Dead letters are the consumer's own decision (recorded with the reason), not the broker's.
            max_deliver: -1,
          });
          const consumer = await this.js.consumers.get(this.options.stream, options.durable);
          // A consumer or stream the server lost (its storage gone, an operator's delete) ends the
          // loop, which makes both again, rather than waiting forever for someone else to.
          const messages = await consumer.consume({ max_messages: BATCH_MAX, abort_on_missing_resource: true });
          const pump = new NatsPump(messages, tracked, options.ackWaitMs);
          current = pump;
          // Stopped between the two awaits above: nothing is handed out.
          if (stopped || this.closed) pump.stop();
          await pump.run();
        } catch (error) {
          // Lost with the server's storage: made again by the next round, here or in the relay.
          if (/stream not found/i.test(message(error))) this.streamReady = undefined;
          if (!stopped && !this.closed) this.lastError = message(error);
        }
        if (!stopped && !this.closed) await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_MS));
      }
    };
    void loop();
  }

  async retained(subject: string, limit: number): Promise<Retained> {
    const connection = this.connection;
    if (!connection || !this.status().connected) throw new Error('not connected');
    // One manager per connection, without its account-info round trip (the stream is known to exist).
    if (this.manager?.connection !== connection)
      this.manager = { connection, jsm: await jetstreamManager(connection, { checkAPI: false }) };
    const bodies: Uint8Array[] = [];
    // The server's per-subject index: each read is the next message on the subject from `seq` on
    // (STREAM.MSG.GET takes `next_by_subj` since NATS 2.9; the client types list it for direct gets only).
    // One past the limit: whether there is more.
    for (let seq = 1; bodies.length <= limit;) {
      const query = { next_by_subj: subject, seq } as unknown as MsgRequest;
      const stored = await this.manager.jsm.streams.getMessage(this.options.stream, query);
      if (!stored) return { bodies, complete: true };
      bodies.push(stored.data);
      seq = stored.seq + 1;
    }
    return { bodies: bodies.slice(0, limit), complete: false };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions) s.stop();
    // The batches being applied finish and ack first (bounded: a batch stuck on a frozen database
    // is let go, and its events are delivered again after their ack wait, duplicates then).
    const idle = Promise.all([...this.subscriptions].map((s) => s.idle().catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.drain().catch(() => connection.close());
  }
}
