import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { CacheService } from '../cache/index.js';
import { PostgresNotifications } from '../database/index.js';
import { MetricsService } from '../monitoring/index.js';

const CHANNEL = 'cache_invalidation';
const MAX_KEYS = 100;

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
      message.keys.every((k) => typeof k === 'string' && k.length <= 512);
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

  constructor(
    private readonly cache: CacheService,
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
    this.cache.onUnpropagatedDelete(async (keys) => {
      if (await this.notifications.notify(CHANNEL, JSON.stringify({ origin: this.origin, keys })))
        this.relayed.inc({ direction: 'sent' }, keys.length);
    });
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
}
