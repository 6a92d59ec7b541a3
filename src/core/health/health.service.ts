import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { healthConfig } from '../config/index.js';
// The file, not the monitoring index: that index imports this module (an import cycle).
import { MetricsService } from '../monitoring/metrics.service.js';
import { ComponentStatusTracker, type StatusListener } from './component-status.tracker.js';
import { ContributesHealth } from './health.constants.js';
import { HealthCheckRunner } from './health-check.runner.js';
import type { HealthIndicator, HealthReport, IndicatorOptions, RegisteredIndicator } from './health.types.js';

function isIndicator(value: unknown): value is HealthIndicator {
  return typeof (value as HealthIndicator | null)?.check === 'function';
}

/**
 * The registry of health indicators. Modules contribute with the `@HealthContributor` decorator
 * on a provider, or call `register()` for indicators known only at run time (one per replica).
 */
@Injectable()
export class HealthService implements OnModuleInit {
  private readonly indicators = new Map<string, RegisteredIndicator>();
  private readonly tracker = new ComponentStatusTracker();
  private readonly runner: HealthCheckRunner;
  private readonly logger = new Logger('Health');

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(healthConfig.KEY) config: ConfigType<typeof healthConfig>,
    @Optional() metrics?: MetricsService,
  ) {
    this.runner = new HealthCheckRunner({ defaultTimeoutMs: config.checkTimeoutMs, cacheTtlMs: config.cacheTtlMs }, this.tracker);
    if (metrics) {
      const gauge = metrics.gauge({
        name: 'health_component_status',
        help: 'Last status of each health component: 1 up, 0.5 degraded, 0 down.',
        labelNames: ['component'],
      });
      this.tracker.onChange(({ component, to }) => gauge.set({ component }, to === 'up' ? 1 : to === 'degraded' ? 0.5 : 0));
    }
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ContributesHealth.KEY })) {
      const options = this.discovery.getMetadataByDecorator(ContributesHealth, wrapper);
      if (!options || !isIndicator(wrapper.instance)) {
        this.logger.error(`${wrapper.name} is marked as a health contributor but has no check() method`);
        continue;
      }
      this.register(options.name, wrapper.instance, options);
    }
  }

  /** Adds (or replaces) an indicator under `name`, e.g. `database.replica.1`. */
  register(name: string, indicator: HealthIndicator, options: IndicatorOptions): void {
    this.indicators.set(name, { name, indicator, critical: options.critical, weight: options.weight ?? 1, timeoutMs: options.timeoutMs });
    this.runner.invalidate();
  }

  unregister(name: string): void {
    this.indicators.delete(name);
    this.tracker.forget(name);
    this.runner.invalidate();
  }

  /** Listeners are called once per component status change. */
  onStatusChange(listener: StatusListener): () => void {
    return this.tracker.onChange(listener);
  }

  /** Critical indicators only: what readiness needs. */
  readiness(): Promise<HealthReport> {
    return this.runner.run('readiness', [...this.indicators.values()].filter((i) => i.critical));
  }

  /** Every indicator. */
  details(): Promise<HealthReport> {
    return this.runner.run('details', [...this.indicators.values()]);
  }
}
