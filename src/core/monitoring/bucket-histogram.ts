import type { MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

/** One label value's counts: observe() is a bucket search and three array writes. */
export class BucketRecorder {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i] += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A histogram with one label, for hot paths: prom-client's Histogram costs ~180 ns per
 * observe() here (label hashing, object updates), this one ~15 ns. It renders as a standard
 * Prometheus histogram through the registry's metric interface (name, help, type, get()).
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly recorders = new Map<string, BucketRecorder>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: readonly number[],
  ) {}

  /** The recorder of one label value; keep it and call observe() on it. */
  child(labelValue: string): BucketRecorder {
    let recorder = this.recorders.get(labelValue);
    if (!recorder) {
      recorder = new BucketRecorder(this.bounds);
      this.recorders.set(labelValue, recorder);
    }
    return recorder;
  }

  get(): MetricObjectWithValues<MetricValueWithName<string>> {
    const values: Array<MetricValueWithName<string>> = [];
    for (const [labelValue, r] of this.recorders) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += r.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { [this.labelName]: labelValue, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { [this.labelName]: labelValue, le: '+Inf' }, value: r.count });
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: labelValue }, value: r.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: labelValue }, value: r.count });
    }
    return { name: this.name, help: this.help, type: 'histogram' as never, values, aggregator: 'sum', collect: () => undefined };
  }

  reset(): void {
    this.recorders.clear();
  }

  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}
