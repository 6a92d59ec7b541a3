import type { Histogram } from 'prom-client';
import type { MetricsService } from '../monitoring/index.js';
import type { CacheBackendName, CacheOp, FailoverStore, FailoverStoreHooks, OpResult } from './failover-store.js';

/** Operation counts (read at scrape time), a latency histogram, the fallback gauge and the memory-tier size. */
export class CacheMetrics {
  private readonly counts = new Map<string, number>();
  private readonly durations: Histogram<'backend' | 'op'>;
  private readonly children = new Map<string, ReturnType<Histogram<'backend' | 'op'>['labels']>>();
  readonly hooks: FailoverStoreHooks;

  constructor(metrics: MetricsService, store: () => FailoverStore) {
    const counts = this.counts;
    metrics.counter({
      name: 'cache_operations_total',
      help: 'Cache operations by backend, operation and result (hit, miss, ok, error, timeout).',
      labelNames: ['backend', 'op', 'result'],
      collect() {
        this.reset();
        for (const [key, n] of counts) {
          const [backend, op, result] = key.split('|');
          this.inc({ backend, op, result }, n);
        }
      },
    });
    this.durations = metrics.histogram({
      name: 'cache_operation_duration_seconds',
      help: 'Cache operation latency by backend and operation.',
      labelNames: ['backend', 'op'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    });
    metrics.gauge({
      name: 'cache_fallback_active',
      help: '1 while Redis is configured but the cache serves from memory.',
      collect() {
        const s = store();
        this.set(s.redis && s.active === 'memory' ? 1 : 0);
      },
    });
    metrics.gauge({ name: 'cache_memory_entries', help: 'Entries in the memory tier.', collect() { this.set(store().memoryEntries); } });
    const switches = metrics.counter({ name: 'cache_backend_switches_total', help: 'Switches between Redis and memory.', labelNames: ['to'] });
    this.hooks = {
      onOperation: (backend, op, result, durationMs) => this.record(backend, op, result, durationMs),
      onSwitch: (to) => switches.inc({ to }),
    };
  }

  private record(backend: CacheBackendName, op: CacheOp, result: OpResult, durationMs: number): void {
    const key = `${backend}|${op}|${result}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (backend !== 'redis') return;
    const childKey = `${backend}|${op}`;
    let child = this.children.get(childKey);
    if (!child) {
      child = this.durations.labels({ backend, op });
      this.children.set(childKey, child);
    }
    child.observe(durationMs / 1000);
  }
}
