import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthService } from '../health/index.js';
import { MetricsService } from './metrics.service.js';

const VALUE = { up: 1, degraded: 0.5, down: 0 } as const;

/** `health_component_status{component}`: monitoring listens to health, health knows nothing of metrics. */
@Injectable()
export class HealthMetrics implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const gauge = this.metrics.gauge({
      name: 'health_component_status',
      help: 'Last status of each health component: 1 up, 0.5 degraded, 0 down.',
      labelNames: ['component'],
    });
    this.health.onStatusChange(({ component, to }) => gauge.set({ component }, VALUE[to]));
  }
}
