import type { ComponentHealth, HealthService } from '../health/index.js';
import type { DatabaseService } from './database.service.js';
import type { PgTarget } from './postgres/pg-target.js';

function targetHealth(target: PgTarget): ComponentHealth {
  const s = target.status;
  return {
    status: s.reachable ? 'up' : 'down',
    details: {
      role: s.role,
      latencyMs: s.latencyMs,
      lagMs: s.role === 'replica' ? s.lagMs : undefined,
      pool: target.poolStats(),
      lastProbeAt: s.lastProbeAt ? new Date(s.lastProbeAt).toISOString() : undefined,
      ...(s.lastError && { reason: s.lastError }),
    },
  };
}

/**
 * One component per target (non-critical: a dead primary must not take the instance out of the
 * load balancer while the journal takes orders), read from the background probes so a frozen
 * server never makes health wait, and a critical `database` component: up in normal and
 * embedded mode, degraded while failing over or replaying, down only when no write can be accepted.
 */
export function registerDatabaseHealth(health: HealthService, db: DatabaseService): void {
  for (const target of db.targets) {
    health.register(`database.${target.name}`, { check: async () => targetHealth(target) }, { critical: false });
  }
  health.register('database.sqlite', {
    check: async () => {
      db.store.writable();
      return { status: 'up', details: { backlog: db.journal.backlog(), deadLetters: db.store.deadLetterCount() } };
    },
  }, { critical: false, weight: 0.5 });
  health.register('database', {
    check: async () => {
      const mode = db.currentMode;
      let journalWritable: boolean;
      try {
        journalWritable = db.store.writable();
      } catch {
        journalWritable = false;
      }
      const details = { mode, since: new Date(db.mode.since).toISOString(), backlog: db.journal.backlog(), deadLetters: db.store.deadLetterCount(), writer: db.writer?.name };
      if (mode === 'normal' || mode === 'embedded') return { status: journalWritable || mode === 'normal' ? 'up' : 'down', details };
      return { status: journalWritable ? 'degraded' : 'down', details };
    },
  }, { critical: true, weight: 3 });
}
