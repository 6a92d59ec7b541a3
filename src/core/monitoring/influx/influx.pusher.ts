import type { Registry } from 'prom-client';
import { toLineProtocol } from './line-protocol.js';

export interface InfluxPusherOptions {
  url: string;
  database: string;
  token?: string;
  flushIntervalMs: number;
  bufferMaxPoints: number;
  /** Bound of one write or ping. */
  requestTimeoutMs: number;
  /** Points per write request. */
  batchSize?: number;
}

export interface InfluxPusherStats {
  buffered: number;
  sent: number;
  dropped: number;
  failures: number;
  lastError?: string;
}

export type PushOutcome = 'sent' | 'empty' | 'failed' | 'busy';

/**
 * Collects the registry into line protocol on an interval and writes it to `/write?db=` (v1 API,
 * also served by InfluxDB 2.x and 3.x with a token). It never blocks a request: points wait in a
 * bounded buffer while InfluxDB is away, the oldest dropped first and counted.
 */
export class InfluxPusher {
  private buffer: string[] = [];
  private timer?: NodeJS.Timeout;
  private flushing = false;
  private databaseChecked = false;
  readonly stats: InfluxPusherStats = { buffered: 0, sent: 0, dropped: 0, failures: 0 };

  constructor(
    private readonly options: InfluxPusherOptions,
    private readonly registry: Registry,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.cycle(), this.options.flushIntervalMs).unref();
  }

  /** Stops the interval and makes one last bounded attempt to deliver what is buffered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle();
  }

  async cycle(): Promise<PushOutcome> {
    await this.collect();
    return this.flush();
  }

  async collect(): Promise<void> {
    this.enqueue(toLineProtocol(await this.registry.getMetricsAsJSON(), this.now()));
  }

  enqueue(lines: readonly string[]): void {
    this.buffer.push(...lines);
    const overflow = this.buffer.length - this.options.bufferMaxPoints;
    if (overflow > 0) {
      this.buffer.splice(0, overflow);
      this.stats.dropped += overflow;
    }
    this.stats.buffered = this.buffer.length;
  }

  /** Writes the buffer in batches; on failure the unsent points stay for the next cycle. */
  async flush(): Promise<PushOutcome> {
    if (this.flushing) return 'busy';
    if (this.buffer.length === 0) return 'empty';
    this.flushing = true;
    try {
      const batchSize = this.options.batchSize ?? 5000;
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, batchSize);
        const outcome = await this.write(batch);
        if (outcome === 'retry') return this.failed();
        // 'sent', or 'rejected' (points InfluxDB will never take: counted as dropped, not retried).
        this.buffer.splice(0, batch.length);
        if (outcome === 'sent') this.stats.sent += batch.length;
        else this.stats.dropped += batch.length;
      }
      return 'sent';
    } finally {
      this.stats.buffered = this.buffer.length;
      this.flushing = false;
    }
  }

  /** Resolves when InfluxDB answers /ping within the request timeout. */
  async ping(signal?: AbortSignal): Promise<void> {
    const response = await fetch(new URL('/ping', this.options.url), {
      headers: this.headers(),
      signal: this.signal(signal),
    });
    if (response.status !== 204 && response.status !== 200) throw new Error(`ping answered ${response.status}`);
  }

  private failed(): PushOutcome {
    this.stats.failures += 1;
    return 'failed';
  }

  private async write(lines: string[]): Promise<'sent' | 'retry' | 'rejected'> {
    const url = new URL('/write', this.options.url);
    url.searchParams.set('db', this.options.database);
    url.searchParams.set('precision', 'ms');
    try {
      const response = await fetch(url, {
        method: 'POST',
        body: lines.join('\n'),
        headers: this.headers(),
        signal: this.signal(),
      });
      if (response.status === 204 || response.status === 200) {
        this.databaseChecked = false;
        return 'sent';
      }
      const text = await response.text().catch(() => '');
      this.stats.lastError = `write answered ${response.status}`;
      if (response.status === 404 && /database not found/i.test(text) && !this.databaseChecked) {
        this.databaseChecked = true;
        await this.createDatabase();
        return 'retry';
      }
      return response.status === 400 ? 'rejected' : 'retry';
    } catch (error) {
      this.stats.lastError =
        error instanceof Error ? (error.name === 'TimeoutError' ? 'timeout' : error.message) : String(error);
      return 'retry';
    }
  }

  // InfluxDB 1.x answers 404 until the database exists; CREATE DATABASE is idempotent there.
  private async createDatabase(): Promise<void> {
    const body = new URLSearchParams({ q: `CREATE DATABASE "${this.options.database.replace(/"/g, '')}"` });
    await fetch(new URL('/query', this.options.url), {
      method: 'POST',
      body,
      headers: this.headers(),
      signal: this.signal(),
    }).catch(() => undefined);
  }

  private headers(): Record<string, string> {
    return this.options.token ? { authorization: `Token ${this.options.token}` } : {};
  }

  private signal(outer?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    return outer ? AbortSignal.any([outer, timeout]) : timeout;
  }
}
