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
 * A histogram for hot paths: prom-client's Histogram costs ~180 ns per observe() here (label
 * hashing, object updates); a recorder from child() costs ~15 ns. Callers keep their recorders.
 * It renders as a standard Prometheus histogram through the registry's metric interface.
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly string[];
  private readonly recorders = new Map<string, { labels: Record<string, string>; recorder: BucketRecorder }>();

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: string | readonly string[],
    private readonly bounds: readonly number[],
  ) {
    this.labelNames = typeof labelNames === 'string' ? [labelNames] : labelNames;
  }

  /** The recorder of one combination of label values (in labelNames order); keep it and call observe(). */
  child(...labelValues: string[]): BucketRecorder {
    const key = labelValues.join('\u0000');
    let entry = this.recorders.get(key);
    if (!entry) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, labelValues[i] ?? '']));
      entry = { labels, recorder: new BucketRecorder(this.bounds) };
      this.recorders.set(key, entry);
    }
    return entry.recorder;
  }

  get(): MetricObjectWithValues<MetricValueWithName<string>> {
    const values: Array<MetricValueWithName<string>> = [];
    for (const { labels, recorder: r } of this.recorders.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += r.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: r.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: r.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: r.count });
    }
    return {
      name: this.name,
      help: this.help,
      type: 'histogram' as never,
      values,
      aggregator: 'sum',
      collect: () => undefined,
    };
  }

  reset(): void {
    this.recorders.clear();
  }

  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}
