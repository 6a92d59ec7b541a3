import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HealthModule } from '../health/index.js';
import { registerDefaultMetrics } from './default-metrics.js';
import { HealthMetrics } from './health.metrics.js';
import { HttpMetrics } from './http-metrics.js';
import { InfluxService } from './influx/influx.service.js';
import { ManagementPort } from './management-port.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { influxConfig, monitoringConfig } from './monitoring.config.js';

/**
 * Prometheus metrics for everything (one registry, served at /metrics), HTTP request metrics
 * (recorded by the request pipeline),
 * InfluxDB push, and the optional management port. Global, so any module can inject MetricsService.
 */
@Global()
@Module({
  imports: [
    ConfigModule.forFeature(monitoringConfig),
    ConfigModule.forFeature(influxConfig),
    PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: false } }),
    HealthModule,
  ],
  providers: [MetricsService, InfluxService, ManagementPort, HealthMetrics, HttpMetrics],
  exports: [MetricsService, HttpMetrics, ManagementPort],
})
export class MonitoringModule implements OnModuleInit {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  onModuleInit(): void {
    registerDefaultMetrics(this.metrics.registry);
  }
}
