import type { ComponentReport, HealthStatus } from './health.types.js';

const SCORE: Record<HealthStatus, number> = { up: 1, degraded: 0.5, down: 0 };

/**
 * The overall status, as Spring's status aggregator: down when a critical component is down;
 * degraded when any component is not up (a non-critical one down only degrades); else up.
 */
export function aggregateStatus(components: readonly ComponentReport[]): HealthStatus {
  if (components.some((c) => c.critical && c.status === 'down')) return 'down';
  if (components.some((c) => c.status !== 'up')) return 'degraded';
  return 'up';
}

/** 0-100: the weighted share of health, up counting 1, degraded 0.5 and down 0. */
export function healthScore(components: ReadonlyArray<ComponentReport & { weight: number }>): number {
  const total = components.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) return 100;
  const healthy = components.reduce((sum, c) => sum + c.weight * SCORE[c.status], 0);
  return Math.round((100 * healthy) / total);
}

/** Readiness and details answer 503 only when the service cannot do its job. */
export function httpStatusFor(status: HealthStatus): 200 | 503 {
  switch (status) {
    case 'up':
    case 'degraded':
      return 200;
    case 'down':
      return 503;
    default: {
      const unreachable: never = status;
      throw new Error(`unknown health status ${String(unreachable)}`);
    }
  }
}
