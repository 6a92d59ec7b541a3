import type { MetricObjectWithValues, MetricValue } from 'prom-client';

const escapeKey = (text: string): string => text.replace(/[,= \\]/g, (c) => `\\${c}`);
const escapeMeasurement = (text: string): string => text.replace(/[, \\]/g, (c) => `\\${c}`);

/**
 * InfluxDB line protocol for a prom-client snapshot: one point per series, tags from labels,
 * a float field `value`, a millisecond timestamp. Histogram buckets are left out (sum and count
 * are kept): they multiply the points without telling a dashboard much more.
 */
export function toLineProtocol(
  metrics: ReadonlyArray<MetricObjectWithValues<MetricValue<string>>>,
  timestampMs: number,
): string[] {
  const lines: string[] = [];
  for (const metric of metrics) {
    for (const sample of metric.values) {
      const name = (sample as { metricName?: string }).metricName ?? metric.name;
      if (name.endsWith('_bucket') || !Number.isFinite(sample.value)) continue;
      const tags = Object.entries(sample.labels)
        .filter(([, v]) => v !== undefined && v !== '')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `,${escapeKey(k)}=${escapeKey(String(v))}`)
        .join('');
      lines.push(`${escapeMeasurement(name)}${tags} value=${sample.value} ${timestampMs}`);
    }
  }
  return lines;
}
