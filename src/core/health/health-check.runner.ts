import { TimeoutError, secretRedactor, withTimeout } from '../common/index.js';
import { aggregateStatus, healthScore } from './health.aggregator.js';
import type { ComponentHealth, ComponentReport, HealthReport, RegisteredIndicator } from './health.types.js';
import type { ComponentStatusTracker } from './component-status.tracker.js';

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

/**
 * Runs indicators in parallel, each bounded by its timeout (so a report is bounded by the largest),
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
  run(group: string, indicators: readonly RegisteredIndicator[]): Promise<HealthReport> {
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

  private async runAll(indicators: readonly RegisteredIndicator[]): Promise<HealthReport> {
    const results = await Promise.all(indicators.map((i) => this.runOne(i)));
    const components: Record<string, ComponentReport> = {};
    indicators.forEach((indicator, index) => (components[indicator.name] = results[index]));
    const weighted = indicators.map((indicator, index) => ({ ...results[index], weight: indicator.weight }));
    return {
      status: aggregateStatus(results),
      score: healthScore(weighted),
      checkedAt: new Date(this.now()).toISOString(),
      components,
    };
  }

  private async runOne(registered: RegisteredIndicator): Promise<ComponentReport> {
    const timeoutMs = registered.timeoutMs ?? this.options.defaultTimeoutMs;
    const started = performance.now();
    const controller = new AbortController();
    let health: ComponentHealth;
    try {
      health = await withTimeout(registered.indicator.check(controller.signal), timeoutMs, `health check ${registered.name}`);
    } catch (error) {
      health = error instanceof TimeoutError
        ? { status: 'down', details: { reason: 'timeout', timeoutMs } }
        : { status: 'down', details: { reason: 'error', error: secretRedactor.scrub(error instanceof Error ? error.message : String(error)) } };
    } finally {
      controller.abort();
    }
    const reason = typeof health.details?.reason === 'string' ? health.details.reason : undefined;
    this.tracker.update(registered.name, health.status, reason);
    return {
      status: health.status,
      critical: registered.critical,
      durationMs: Math.round(performance.now() - started),
      ...(health.details && { details: health.details }),
    };
  }
}
