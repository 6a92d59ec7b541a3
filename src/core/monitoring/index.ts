export { MonitoringModule } from './monitoring.module.js';
export { MetricsService } from './metrics.service.js';
export { InfluxPusher, type InfluxPusherOptions } from './influx/influx.pusher.js';
export { BucketHistogram, BucketRecorder } from './bucket-histogram.js';
export { HttpMetrics } from './http-metrics.js';
export { ManagementPort } from './management-port.js';
export { influxConfig, InfluxEnv, monitoringConfig, MonitoringEnv } from './monitoring.config.js';
