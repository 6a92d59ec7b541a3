import type { ConfigType } from '@nestjs/config';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { EnvVar, featureConfig, ToInt, ToNumber } from '../config/index.js';

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/**
 * The tracing module's own variables: the standard OpenTelemetry names (an operator's fleet sets
 * them once for every service), read by us and handed to the SDK explicitly.
 */
export class TracingEnv {
  @EnvVar({
    group: 'tracing',
    description:
      'OTLP/HTTP collector base URL; traces go to <url>/v1/traces as OTLP JSON (empty: tracing off, no SDK loaded)',
    secret: 'url',
    example: '',
    hint: 'http://127.0.0.1:4318',
  })
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @EnvVar({
    group: 'tracing',
    description: 'Headers sent to the collector, key=value pairs separated by commas (values URL-encoded)',
    secret: 'secret',
    example: '',
    hint: 'authorization=Bearer%20change-me',
  })
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_HEADERS?: string;

  @EnvVar({ group: 'tracing', description: 'Bound of one export request to the collector, ms', example: '10000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  OTEL_EXPORTER_OTLP_TIMEOUT = 10_000;

  @EnvVar({ group: 'tracing', description: 'service.name of every span', example: 'trading-service-core' })
  @IsString()
  OTEL_SERVICE_NAME = 'trading-service-core';

  @EnvVar({
    group: 'tracing',
    description: `Sampler: ${SAMPLERS.join(' | ')}`,
    example: 'parentbased_always_on',
    hint: 'parentbased_traceidratio',
  })
  @IsIn(SAMPLERS)
  OTEL_TRACES_SAMPLER: SamplerName = 'parentbased_always_on';

  @EnvVar({
    group: 'tracing',
    description: 'Ratio of the traceidratio samplers, 0..1 (empty: 1)',
    example: '',
    hint: '0.1',
  })
  @IsOptional()
  @ToNumber()
  @IsNumber()
  @Min(0)
  @Max(1)
  OTEL_TRACES_SAMPLER_ARG?: number;

  @EnvVar({
    group: 'tracing',
    description: 'Spans kept waiting for export; past it new spans are dropped, never waited for',
    example: '2048',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  OTEL_BSP_MAX_QUEUE_SIZE = 2048;

  @EnvVar({ group: 'tracing', description: 'Delay between two exports of the batch processor, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(600_000)
  OTEL_BSP_SCHEDULE_DELAY = 5000;

  @EnvVar({ group: 'tracing', description: 'Spans per export request', example: '512' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE = 512;

  @EnvVar({
    group: 'tracing',
    description: 'At shutdown, how long the spans still queued may take to leave, ms (then they are dropped)',
    example: '2000',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  TRACING_SHUTDOWN_FLUSH_MS = 2000;
}

/** Collector headers as the OTel spec writes them: `k1=v1,k2=v2`, values URL-encoded. */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    headers[part.slice(0, at).trim().toLowerCase()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return headers;
}

/** `<endpoint>/v1/traces`, as the spec says for the endpoint variable that names no signal. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

export const tracingConfig = featureConfig('tracing', TracingEnv, (env) => ({
  /** Undefined: tracing is off. */
  tracesUrl: env.OTEL_EXPORTER_OTLP_ENDPOINT ? tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT) : undefined,
  headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
  exportTimeoutMs: env.OTEL_EXPORTER_OTLP_TIMEOUT,
  serviceName: env.OTEL_SERVICE_NAME,
  sampler: env.OTEL_TRACES_SAMPLER,
  samplerRatio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
  maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE,
  scheduleDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  maxExportBatchSize: Math.min(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, env.OTEL_BSP_MAX_QUEUE_SIZE),
  shutdownFlushMs: env.TRACING_SHUTDOWN_FLUSH_MS,
}));

export type TracingConfig = ConfigType<typeof tracingConfig>;
