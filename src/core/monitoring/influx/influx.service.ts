import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { influxConfig } from '../monitoring.config.js';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../../health/index.js';
import { MetricsService } from '../metrics.service.js';
import { InfluxPusher } from './influx.pusher.js';

/** Pushes metrics to InfluxDB when INFLUX_URL is set, and reports it as the `influxdb` component. */
@Injectable()
export class InfluxService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly pusher?: InfluxPusher;
  private readonly logger = new Logger('Influx');

  constructor(
    @Inject(influxConfig.KEY) config: ConfigType<typeof influxConfig>,
    private readonly metrics: MetricsService,
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
  ) {
    if (!config.url) return;
    this.pusher = new InfluxPusher(
      {
        url: config.url,
        database: config.database,
        token: config.token,
        flushIntervalMs: config.flushIntervalMs,
        bufferMaxPoints: config.bufferMaxPoints,
        requestTimeoutMs: Math.min(5000, config.flushIntervalMs),
      },
      metrics.registry,
    );
  }

  onModuleInit(): void {
    const pusher = this.pusher;
    if (!pusher) return;
    const stats = pusher.stats;
    this.metrics.gauge({
      name: 'influx_buffer_points',
      help: 'Points waiting for InfluxDB.',
      collect() {
        this.set(stats.buffered);
      },
    });
    // Counters mirrored from the pusher's own tallies at scrape time.
    this.metrics.counter({
      name: 'influx_points_dropped_total',
      help: 'Points dropped (buffer full or rejected by InfluxDB).',
      collect() {
        this.reset();
        this.inc(stats.dropped);
      },
    });
    this.metrics.counter({
      name: 'influx_points_sent_total',
      help: 'Points written to InfluxDB.',
      collect() {
        this.reset();
        this.inc(stats.sent);
      },
    });
    this.metrics.counter({
      name: 'influx_write_failures_total',
      help: 'Flushes that failed and kept their points.',
      collect() {
        this.reset();
        this.inc(stats.failures);
      },
    });
    this.health.register({
      name: 'influxdb',
      critical: false,
      weight: 0.5,
      check: async (key, signal) => {
        const data = {
          bufferedPoints: stats.buffered,
          droppedPoints: stats.dropped,
          ...(stats.lastError && { lastError: stats.lastError }),
        };
        try {
          await pusher.ping(signal);
          return this.indicators.check(key).up(data);
        } catch (error) {
          return this.indicators
            .check(key)
            .down({ ...data, reason: error instanceof Error ? error.message : String(error) });
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.pusher) return;
    this.pusher.start();
    this.logger.log('pushing metrics to InfluxDB');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pusher?.stop();
  }
}
