import type { HealthCheckStatus } from '@nestjs/terminus';
import type { ComponentReport, HealthStatus } from './health.types.js';

const SCORE: Record<HealthStatus, number> = { up: 1, degraded: 0.5, down: 0 };

/**
 * The overall status in Terminus's terms, as Spring's status aggregator: `error` when a critical
 * component is down; `degraded` when any component is not up (a non-critical one down only
 * degrades); else `ok`.
 */
export function aggregateStatus(
  components: readonly Pick<ComponentReport, 'status' | 'critical'>[],
): HealthCheckStatus {
  if (components.some((c) => c.critical && c.status === 'down')) return 'error';
  if (components.some((c) => c.status !== 'up')) return 'degraded';
  return 'ok';
}

/** 0-100: the weighted share of health, up counting 1, degraded 0.5 and down 0. */
export function healthScore(components: ReadonlyArray<{ status: HealthStatus; weight: number }>): number {
  const total = components.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) return 100;
  const healthy = components.reduce((sum, c) => sum + c.weight * SCORE[c.status], 0);
  return Math.round((100 * healthy) / total);
}

/** Readiness and details answer 503 only when the service cannot do its job, or is stopping. */
export function httpStatusFor(status: HealthCheckStatus): 200 | 503 {
  switch (status) {
    case 'ok':
    case 'degraded':
      return 200;
    case 'error':
    case 'shutting_down':
      return 503;
    default: {
      const unreachable: never = status;
      throw new Error(`unknown health status ${String(unreachable)}`);
    }
  }
}
