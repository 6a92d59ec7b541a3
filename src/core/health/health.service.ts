import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { healthConfig } from './health.config.js';
import { ComponentStatusTracker, type StatusListener } from './component-status.tracker.js';
import { HealthCheckRunner } from './health-check.runner.js';
import type { HealthReport, IndicatorRegistration } from './health.types.js';

/**
 * The registry of Terminus health indicators. A module registers each of its indicators once,
 * from `onModuleInit`, with `register({ name, check, critical, weight?, timeoutMs? })`; indicators
 * known only at run time (one per replica) are registered the same way when they appear.
 */
@Injectable()
export class HealthService {
  private readonly indicators = new Map<string, IndicatorRegistration>();
  private readonly tracker = new ComponentStatusTracker();
  private readonly runner: HealthCheckRunner;

  constructor(@Inject(healthConfig.KEY) config: ConfigType<typeof healthConfig>) {
    this.runner = new HealthCheckRunner(
      { defaultTimeoutMs: config.checkTimeoutMs, cacheTtlMs: config.cacheTtlMs },
      this.tracker,
    );
  }

  /** Adds (or replaces) the indicator named `registration.name`. */
  register(registration: IndicatorRegistration): void {
    this.indicators.set(registration.name, registration);
    this.runner.invalidate();
  }

  /** Listeners are called once per component status change: the hook for alerting and metrics. */
  onStatusChange(listener: StatusListener): () => void {
    return this.tracker.onChange(listener);
  }

  /** Critical indicators only: what readiness needs. */
  readiness(): Promise<HealthReport> {
    return this.runner.run(
      'readiness',
      [...this.indicators.values()].filter((i) => i.critical),
    );
  }

  /** Every indicator. */
  details(): Promise<HealthReport> {
    return this.runner.run('details', [...this.indicators.values()]);
  }
}
