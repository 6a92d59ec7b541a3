export type HealthStatus = 'up' | 'degraded' | 'down';

/** What one indicator reports. `details` must hold no secret. */
export interface ComponentHealth {
  status: HealthStatus;
  details?: Record<string, unknown>;
}

/** A check of one backing service. It should honour `signal`: it is aborted at the timeout. */
export interface HealthIndicator {
  check(signal: AbortSignal): Promise<ComponentHealth>;
}

export interface IndicatorOptions {
  /** Critical indicators decide readiness: one down makes /health/ready 503. */
  critical: boolean;
  /** Share of the overall score, relative to the other indicators (default 1). */
  weight?: number;
  /** Overrides HEALTH_CHECK_TIMEOUT_MS for this indicator. */
  timeoutMs?: number;
}

export interface RegisteredIndicator extends Required<Omit<IndicatorOptions, 'timeoutMs'>> {
  name: string;
  indicator: HealthIndicator;
  timeoutMs?: number;
}

/** One component's result as reported over HTTP. */
export interface ComponentReport {
  status: HealthStatus;
  critical: boolean;
  durationMs: number;
  details?: Record<string, unknown>;
}

export interface HealthReport {
  status: HealthStatus;
  /** 0-100, weighted: up counts 1, degraded 0.5, down 0. */
  score: number;
  checkedAt: string;
  components: Record<string, ComponentReport>;
}
