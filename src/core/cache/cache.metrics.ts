import type { MetricsService } from '../monitoring/index.js';
import type { BucketRecorder } from '../monitoring/index.js';
import type { CacheBackendName, CacheOp, FailoverStore, FailoverStoreHooks, OpResult } from './failover-store.js';

const BACKENDS: CacheBackendName[] = ['redis', 'memory'];
const OPS: CacheOp[] = ['get', 'set', 'del'];
const RESULTS: OpResult[] = ['hit', 'miss', 'ok', 'error', 'timeout'];

type Counts = Record<CacheBackendName, Record<CacheOp, Record<OpResult, number>>>;

/**
 * Operation counts (plain numbers, read at scrape time), Redis latency (a bucket histogram per
 * operation), the fallback gauge and the memory-tier size: a few nanoseconds per operation.
 */
export class CacheMetrics {
  private readonly counts: Counts;
  private readonly latency: Record<CacheOp, BucketRecorder>;
  readonly hooks: FailoverStoreHooks;

  constructor(metrics: MetricsService, store: () => FailoverStore) {
    const zero = () => Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<OpResult, number>;
    const counts = (this.counts = Object.fromEntries(
      BACKENDS.map((b) => [b, Object.fromEntries(OPS.map((o) => [o, zero()]))]),
    ) as Counts);
    metrics.counter({
      name: 'cache_operations_total',
      help: 'Cache operations by backend, operation and result (hit, miss, ok, error, timeout).',
      labelNames: ['backend', 'op', 'result'],
      collect() {
        this.reset();
        for (const backend of BACKENDS)
          for (const op of OPS)
            for (const result of RESULTS)
              if (counts[backend][op][result] > 0) this.inc({ backend, op, result }, counts[backend][op][result]);
      },
    });
    const histogram = metrics.bucketHistogram(
      'cache_redis_operation_duration_seconds',
      'Redis operation latency by operation.',
      'op',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    );
    this.latency = { get: histogram.child('get'), set: histogram.child('set'), del: histogram.child('del') };
    metrics.gauge({
      name: 'cache_fallback_active',
      help: '1 while Redis is configured but the cache serves from memory.',
      collect() {
        const s = store();
        this.set(s.redis && s.active === 'memory' ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'cache_redis_failing_seconds',
      help: 'How long the failover window has been failing while the cache is still on Redis (0 when not): it switches to memory once this reaches the window.',
      collect() {
        this.set(store().failoverWindow().failingForMs / 1000);
      },
    });
    metrics.gauge({
      name: 'cache_memory_entries',
      help: 'Entries in the memory tier.',
      collect() {
        this.set(store().memoryEntries);
      },
    });
    const switches = metrics.counter({
      name: 'cache_backend_switches_total',
      help: 'Switches between Redis and memory.',
      labelNames: ['to'],
    });
    this.hooks = {
      onOperation: (backend, op, result, durationMs) => {
        this.counts[backend][op][result] += 1;
        if (backend === 'redis') this.latency[op].observe(durationMs / 1000);
      },
      onSwitch: (to) => switches.inc({ to }),
    };
  }
}
