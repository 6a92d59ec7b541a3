import { TimeoutError, secretRedactor, withTimeout } from '../common/index.js';
import { aggregateStatus, healthScore } from './health.aggregator.js';
import type { ComponentStatusTracker } from './component-status.tracker.js';
import type { ComponentReport, HealthReport, HealthStatus, IndicatorRegistration } from './health.types.js';

export interface RunnerOptions {
  defaultTimeoutMs: number;
  cacheTtlMs: number;
  now?: () => number;
}

interface CacheEntry {
  at: number;
  report: Promise<HealthReport>;
  settled: boolean;
}

const STATUSES: ReadonlySet<unknown> = new Set<HealthStatus>(['up', 'degraded', 'down']);

// An indicator's message may quote a driver error, and a driver error a connection string.
function scrubbed(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry))
    out[key] = typeof value === 'string' ? secretRedactor.scrub(value) : value;
  return out;
}

/**
 * Runs Terminus indicators in parallel, each bounded by its timeout (so a report is bounded by
 * the largest: Terminus's own executor has no bound and rejects the whole check when one throws),
 * and caches each report for `cacheTtlMs` with one run in flight at a time per group.
 * A plain class with an injected clock; HealthService wires it into Nest.
 */
export class HealthCheckRunner {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;

  constructor(
    private readonly options: RunnerOptions,
    private readonly tracker: ComponentStatusTracker,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The report for `indicators`, cached under `group`. */
  run(group: string, indicators: readonly IndicatorRegistration[]): Promise<HealthReport> {
    const cached = this.cache.get(group);
    const now = this.now();
    if (cached && (!cached.settled || now - cached.at < this.options.cacheTtlMs)) return cached.report;
    const entry: CacheEntry = { at: now, report: this.runAll(indicators), settled: false };
    this.cache.set(group, entry);
    void entry.report.finally(() => {
      entry.settled = true;
      entry.at = this.now();
    });
    return entry.report;
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async runAll(indicators: readonly IndicatorRegistration[]): Promise<HealthReport> {
    const results = await Promise.all(indicators.map((i) => this.runOne(i)));
    const report: HealthReport = { status: 'ok', info: {}, error: {}, details: {}, score: 100, checkedAt: '' };
    indicators.forEach(({ name }, index) => {
      const component = results[index];
      report.details[name] = component;
      if (component.status === 'down') report.error[name] = component;
      else report.info[name] = component;
    });
    report.status = aggregateStatus(results);
    report.score = healthScore(
      indicators.map((indicator, index) => ({ status: results[index].status, weight: indicator.weight ?? 1 })),
    );
    report.checkedAt = new Date(this.now()).toISOString();
    return report;
  }

  private async runOne(registered: IndicatorRegistration): Promise<ComponentReport> {
    const timeoutMs = registered.timeoutMs ?? this.options.defaultTimeoutMs;
    const started = performance.now();
    const controller = new AbortController();
    let entry: Record<string, unknown>;
    try {
      const result = await withTimeout(
        Promise.resolve(registered.check(registered.name, controller.signal)),
        timeoutMs,
        `health check ${registered.name}`,
      );
      entry = scrubbed(result[registered.name] ?? Object.values(result)[0] ?? { status: 'down', reason: 'no result' });
      if (!STATUSES.has(entry.status)) entry = { status: 'down', reason: 'invalid status' };
    } catch (error) {
      entry =
        error instanceof TimeoutError
          ? { status: 'down', reason: 'timeout', timeoutMs }
          : {
              status: 'down',
              reason: 'error',
              message: secretRedactor.describe(error),
            };
    } finally {
      controller.abort();
    }
    const status = entry.status as HealthStatus;
    this.tracker.update(registered.name, status, typeof entry.reason === 'string' ? entry.reason : undefined);
    return { ...entry, status, critical: registered.critical, durationMs: Math.round(performance.now() - started) };
  }
}
