import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { secretRedactor, withTimeout } from '../../common/index.js';
import type { PostgresTargets } from './postgres-targets.js';

type Handler = (payload: string) => void;

/**
 * Postgres LISTEN/NOTIFY between the instances of a fleet, on whichever target is the writer:
 * one dedicated connection (outside the pools) listens on the writer and follows it through a
 * failover; `notify` goes through the writer's pool. While there is no writer nothing is sent and
 * nothing is heard: callers treat a notification as a best effort that shortens a bound they
 * hold anyway. A notification sent during a switch of writer may be lost.
 */
export class PostgresNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly handlers = new Map<string, Set<Handler>>();
  private client?: pg.Client;
  private listeningOn?: string;
  private connecting = false;
  private stopped = false;
  private readonly logger = new Logger('Database');

  constructor(
    private readonly targets: PostgresTargets,
    private readonly timeoutMs: number,
  ) {}

  /** Follows the writer from now on: after each probe, the listening connection moves if the writer did. */
  onApplicationBootstrap(): void {
    if (!this.targets.configured) return;
    this.targets.onChange(() => void this.follow());
  }

  /** Calls `handler` with each payload sent on `channel` by any instance (this one included). */
  listen(channel: string, handler: Handler): () => void {
    const set = this.handlers.get(channel) ?? new Set();
    const first = set.size === 0;
    set.add(handler);
    this.handlers.set(channel, set);
    if (first && this.client) void this.client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch(() => this.drop());
    return () => set.delete(handler);
  }

  /** Sends `payload` (at most ~8000 bytes) on `channel` through the writer; false when it could not. */
  async notify(channel: string, payload: string): Promise<boolean> {
    const writer = this.targets.writer;
    if (!writer) return false;
    try {
      await withTimeout(writer.pool.query('SELECT pg_notify($1, $2)', [channel, payload]), this.timeoutMs, 'notify');
      return true;
    } catch {
      return false;
    }
  }

  get listening(): string | undefined {
    return this.client ? this.listeningOn : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.drop();
  }

  private async follow(): Promise<void> {
    const writer = this.targets.writer;
    if (this.stopped || this.connecting || (writer && this.client && this.listeningOn === writer.name)) return;
    await this.drop();
    if (!writer || this.handlers.size === 0) return;
    this.connecting = true;
    const client = new pg.Client({
      connectionString: writer.options.url,
      connectionTimeoutMillis: writer.options.connectTimeoutMs,
      keepAlive: true,
      application_name: 'trading-service-core:listen',
    });
    // A late error of a client already replaced must not drop its successor.
    client.on('error', () => {
      if (this.client === client) void this.drop();
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error(`a ${message.channel} listener failed: ${(error as Error).message}`);
        }
      }
    });
    try {
      await withTimeout(client.connect(), writer.options.connectTimeoutMs, 'listen connect');
      for (const channel of this.handlers.keys())
        await withTimeout(client.query(`LISTEN ${pg.escapeIdentifier(channel)}`), this.timeoutMs, 'listen');
      this.client = client;
      this.listeningOn = writer.name;
    } catch (error) {
      this.logger.warn(
        `cannot listen for notifications on ${writer.name}: ${secretRedactor.scrub((error as Error).message)}`,
      );
      await client.end().catch(() => undefined);
    } finally {
      this.connecting = false;
    }
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.listeningOn = undefined;
    await client?.end().catch(() => undefined);
  }
}
