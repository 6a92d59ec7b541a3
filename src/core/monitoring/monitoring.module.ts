import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance } from 'fastify';
import { HealthModule } from '../health/index.js';
import { registerDefaultMetrics } from './default-metrics.js';
import { HealthMetrics } from './health.metrics.js';
import { installHttpMetrics } from './http-metrics.js';
import { InfluxService } from './influx/influx.service.js';
import { ManagementPort } from './management-port.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus metrics for everything (one registry, served at /metrics), HTTP request metrics,
 * InfluxDB push, and the optional management port. Global, so any module can inject MetricsService.
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: false } }),
    HealthModule,
  ],
  providers: [MetricsService, InfluxService, ManagementPort, HealthMetrics],
  exports: [MetricsService],
})
export class MonitoringModule implements OnModuleInit {
  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    registerDefaultMetrics(this.metrics.registry);
    installHttpMetrics(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.metrics);
  }
}
