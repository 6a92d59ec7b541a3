import type { HealthCheckResult, HealthIndicatorResult, HealthIndicatorStatus } from '@nestjs/terminus';

export type HealthStatus = HealthIndicatorStatus;

/**
 * A Terminus health indicator function: given its key and an AbortSignal (aborted at the
 * timeout), it returns `HealthIndicatorService.check(key).up()/degraded()/down()`, or an
 * `attempt()`, or a ready-made indicator's result such as `TypeOrmHealthIndicator.pingCheck(key)`.
 * Data beside `status` is shown with details: it must hold no secret.
 */
export type IndicatorCheck = (
  key: string,
  signal: AbortSignal,
) => PromiseLike<HealthIndicatorResult> | HealthIndicatorResult;

/** How an indicator takes part in health: the one way to register it (HealthService.register). */
export interface IndicatorRegistration {
  /** The component's key in `info`, `error` and `details`, e.g. `database.replica.1`. */
  name: string;
  check: IndicatorCheck;
  /** Critical indicators decide readiness: one down makes /health/ready 503. */
  critical: boolean;
  /** Share of the overall score, relative to the other indicators (default 1). */
  weight?: number;
  /** Overrides HEALTH_CHECK_TIMEOUT_MS for this indicator. */
  timeoutMs?: number;
}

/** One component as reported: Terminus's entry, plus our `critical` and `durationMs`. */
export type ComponentReport = { status: HealthStatus; critical: boolean; durationMs: number } & Record<string, unknown>;

/** Terminus's HealthCheckResult, plus a 0-100 score and when it was checked. */
export type HealthReport = HealthCheckResult<Record<string, ComponentReport>> & {
  info: Record<string, ComponentReport>;
  error: Record<string, ComponentReport>;
  /** 0-100, weighted: up counts 1, degraded 0.5, down 0. */
  score: number;
  checkedAt: string;
};
