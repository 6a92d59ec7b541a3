import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AvailabilityState, HealthService } from '../health/index.js';
import { MetricsService } from './metrics.service.js';

const VALUE = { up: 1, degraded: 0.5, down: 0 } as const;

/** `health_component_status{component}`: monitoring listens to health, health knows nothing of metrics. */
@Injectable()
export class HealthMetrics implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
    private readonly availability: AvailabilityState,
  ) {}

  onModuleInit(): void {
    const gauge = this.metrics.gauge({
      name: 'health_component_status',
      help: 'Last status of each health component: 1 up, 0.5 degraded, 0 down.',
      labelNames: ['component'],
    });
    this.health.onStatusChange(({ component, to }) => gauge.set({ component }, VALUE[to]));
    const { health, availability } = this;
    // Read at scrape time through the same bounded, cached runs the endpoints use.
    this.metrics.gauge({
      name: 'health_score',
      help: 'Overall health score, 0-100 (every indicator, weighted), as /health reports it.',
      async collect() {
        this.set((await health.details()).score);
      },
    });
    this.metrics.gauge({
      name: 'health_ready',
      help: '1 when /health/ready answers 200 (no critical indicator down, not shutting down).',
      async collect() {
        if (availability.isShuttingDown) return this.set(0);
        // From the same (cached) report as health_score: one health run per scrape, not two.
        const { details } = await health.details();
        this.set(Object.values(details).some((c) => c.critical && c.status === 'down') ? 0 : 1);
      },
    });
  }
}
