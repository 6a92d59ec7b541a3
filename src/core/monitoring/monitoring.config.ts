import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { AppEnv, EnvVar, IsServiceUrl, ToBoolean, ToInt, featureConfig } from '../config/index.js';

/** Prometheus /metrics and the management port. */
export class MonitoringEnv {
  @EnvVar({ group: 'monitoring', description: 'Serve Prometheus /metrics', example: 'true' })
  @ToBoolean()
  @IsBoolean()
  METRICS_ENABLED = true;

  @EnvVar({
    group: 'monitoring',
    description:
      '/metrics on the main port asks for Authorization: Bearer <HEALTH_DETAILS_TOKEN> (empty: yes in production without MANAGEMENT_PORT)',
    example: '',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  METRICS_TOKEN_REQUIRED?: boolean;

  @EnvVar({
    group: 'monitoring',
    description: 'Serve health and metrics on this port only (unset = main port)',
    example: '',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(65535)
  MANAGEMENT_PORT?: number;
}

/** InfluxDB push of the same metrics. */
export class InfluxEnv {
  @EnvVar({
    group: 'influx',
    description: 'InfluxDB base URL; unset = push off',
    secret: 'url',
    example: '',
    hint: 'http://127.0.0.1:8086',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  INFLUX_URL?: string;

  @EnvVar({ group: 'influx', description: 'Database (bucket) written to', example: 'trading' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  INFLUX_DATABASE = 'trading';

  @EnvVar({ group: 'influx', description: 'Token sent as "Authorization: Token ..."', secret: 'secret', example: '' })
  @IsOptional()
  @IsString()
  INFLUX_TOKEN?: string;

  @EnvVar({ group: 'influx', description: 'Push interval, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  INFLUX_FLUSH_INTERVAL_MS = 5000;

  @EnvVar({
    group: 'influx',
    description: 'Points kept while InfluxDB is down (oldest dropped first)',
    example: '10000',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  INFLUX_BUFFER_MAX_POINTS = 10_000;
}

export const monitoringConfig = featureConfig(
  'monitoring',
  MonitoringEnv,
  (e, profile) => ({
    metricsEnabled: e.METRICS_ENABLED,
    managementPort: e.MANAGEMENT_PORT,
    // A scrape costs milliseconds of CPU: not for the public (see MetricsController).
    metricsTokenRequired: e.METRICS_TOKEN_REQUIRED ?? (profile.isProduction && e.MANAGEMENT_PORT === undefined),
  }),
  {
    rules: (e, context) =>
      e.MANAGEMENT_PORT !== undefined && e.MANAGEMENT_PORT === context.env(AppEnv).PORT
        ? [{ variable: 'MANAGEMENT_PORT', rule: 'distinct', message: 'must differ from PORT' }]
        : [],
  },
);

export const influxConfig = featureConfig('influx', InfluxEnv, (e) => ({
  url: e.INFLUX_URL,
  database: e.INFLUX_DATABASE,
  token: e.INFLUX_TOKEN,
  flushIntervalMs: e.INFLUX_FLUSH_INTERVAL_MS,
  bufferMaxPoints: e.INFLUX_BUFFER_MAX_POINTS,
}));
