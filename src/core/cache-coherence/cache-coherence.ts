import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { CACHE_COHERENCE, type CacheCoherencePort } from '../cache/index.js';
import { PostgresNotifications } from '../database/index.js';
import { MetricsService } from '../monitoring/index.js';

const CHANNEL = 'cache_invalidation';
const MAX_KEYS = 100;
const MAX_KEY_BYTES = 512;
// Postgres refuses a NOTIFY payload of 8000 bytes or more.
const MAX_PAYLOAD_BYTES = 7000;

interface Message {
  origin: string;
  keys: string[];
}

function parse(payload: string): Message | undefined {
  try {
    const message = JSON.parse(payload) as Partial<Message>;
    const valid =
      typeof message.origin === 'string' &&
      Array.isArray(message.keys) &&
      message.keys.length <= MAX_KEYS &&
      message.keys.every((k) => typeof k === 'string' && Buffer.byteLength(k) <= MAX_KEY_BYTES);
    return valid ? (message as Message) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cache coherence across a fleet when one instance cannot reach Redis: a delete that could not
 * reach Redis is broadcast through Postgres NOTIFY, and every instance that hears it deletes the
 * key from its memory tier and, if it reaches Redis, from Redis. So a change acknowledged by an
 * instance cut off from Redis is not contradicted by the Redis entry the others read. A best
 * effort over a bound that holds anyway: memory-tier entries live at most CACHE_FALLBACK_TTL_MS.
 */
@Injectable()
export class CacheCoherence implements OnModuleInit {
  private readonly origin = randomUUID();
  private readonly relayed: Counter<'direction'>;
  private readonly logger = new Logger('Cache');
  // Deletes relayed in the same turn of the event loop share one NOTIFY (a burst of writes while
  // Redis is away costs Postgres one statement per turn, not one per write).
  private pending: string[] = [];
  private scheduled?: Promise<void>;

  constructor(
    @Inject(CACHE_COHERENCE) private readonly cache: CacheCoherencePort,
    private readonly notifications: PostgresNotifications,
    metrics: MetricsService,
  ) {
    this.relayed = metrics.counter({
      name: 'cache_invalidations_relayed_total',
      help: 'Cache deletes relayed between instances through Postgres NOTIFY (sent: this instance could not reach Redis).',
      labelNames: ['direction'],
    });
  }

  onModuleInit(): void {
    this.cache.onUnpropagatedDelete((keys) => this.relay(keys));
    this.notifications.listen(CHANNEL, (payload) => {
      const message = parse(payload);
      if (!message) {
        this.logger.warn(`ignored a malformed ${CHANNEL} notification`);
        return;
      }
      if (message.origin === this.origin) return;
      this.relayed.inc({ direction: 'received' }, message.keys.length);
      void this.cache.invalidate(message.keys);
    });
  }

  /** Queues `keys` for this turn's NOTIFY; resolves once it has been sent (or could not be). */
  private relay(keys: readonly string[]): Promise<void> {
    this.pending.push(...keys);
    this.scheduled ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.scheduled = undefined;
        void this.send(this.pending.splice(0)).then(resolve);
      }),
    );
    return this.scheduled;
  }

  private async send(keys: string[]): Promise<void> {
    // Receivers ignore keys over MAX_KEY_BYTES: they are not sent.
    const unique = [...new Set(keys)].filter((key) => Buffer.byteLength(key) <= MAX_KEY_BYTES);
    while (unique.length > 0) {
      const batch: string[] = [];
      let bytes = 100;
      while (
        unique.length > 0 &&
        batch.length < MAX_KEYS &&
        bytes + Buffer.byteLength(unique[0]) + 3 < MAX_PAYLOAD_BYTES
      ) {
        const key = unique.shift() as string;
        bytes += Buffer.byteLength(key) + 3;
        batch.push(key);
      }
      if (await this.notifications.notify(CHANNEL, JSON.stringify({ origin: this.origin, keys: batch }))) {
        this.relayed.inc({ direction: 'sent' }, batch.length);
      }
    }
  }
}
