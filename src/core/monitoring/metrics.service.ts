import { Injectable } from '@nestjs/common';
import { BucketHistogram } from './bucket-histogram.js';
import {
  Counter,
  Gauge,
  type CounterConfiguration,
  type GaugeConfiguration,
  register,
  type Registry,
} from 'prom-client';

/**
 * The one registry (prom-client's global one, which @willsoto/nestjs-prometheus serves), with
 * get-or-create helpers: a module that is instantiated twice in a process (tests build several
 * apps) gets the same metric back instead of a "already registered" crash.
 * Label values must be bounded: never a raw path, an id or a user input.
 */
@Injectable()
export class MetricsService {
  registry: Registry = register;

  counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    this.dropIfCollected(config.name, config.collect);
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
      new Counter({ ...config, registers: [this.registry] })
    );
  }

  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
    this.dropIfCollected(config.name, config.collect);
    return (
      (this.registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
      new Gauge({ ...config, registers: [this.registry] })
    );
  }

  // A metric read at scrape time closes over the instance that made it: a newer instance (an app
  // rebuilt in the same process) replaces it, or scrapes would read a closed one.
  private dropIfCollected(name: string, collect: unknown): void {
    if (collect !== undefined && this.registry.getSingleMetric(name)) this.registry.removeSingleMetric(name);
  }

  /** The one histogram of the service (see BucketHistogram): cheap enough for every hot path. */
  bucketHistogram(
    name: string,
    help: string,
    labelNames: string | readonly string[],
    buckets: readonly number[],
  ): BucketHistogram {
    const existing = this.registry.getSingleMetric(name) as unknown;
    return existing instanceof BucketHistogram
      ? existing
      : new BucketHistogram(name, help, labelNames, buckets).register(this.registry);
  }
}
