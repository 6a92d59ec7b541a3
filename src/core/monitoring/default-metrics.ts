import { collectDefaultMetrics, type Registry } from 'prom-client';

// prom-client adds three gauges named with a `_total` suffix, which promtool rejects
// ("non-counter metrics should not have _total suffix"). The same counts remain, by type, in
// nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
const REJECTED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Process and Node metrics, once per registry, in a form `promtool check metrics` accepts. */
export function registerDefaultMetrics(registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  for (const name of REJECTED) registry.removeSingleMetric(name);
}
