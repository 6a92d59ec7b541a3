import type { Counter, Histogram } from 'prom-client';
import type { MetricsService } from '../monitoring/index.js';
import type { DatabaseMode, Queryable } from './database.types.js';
import type { PgTarget } from './postgres/pg-target.js';

const MODES: DatabaseMode[] = ['embedded', 'normal', 'replica-read-only', 'fallback', 'replaying'];

interface DatabaseView {
  targets: readonly PgTarget[];
  currentMode: DatabaseMode;
  journal: { backlog(): number };
}

/** Pool, query, mode and journal metrics; gauges are read at scrape time. */
export class DatabaseMetrics {
  private readonly durations: Histogram<'target' | 'kind'>;
  private readonly failovers: Counter;
  private readonly replayedTotal: Counter;
  private readonly deadLetteredTotal: Counter;
  private readonly timedCache = new Map<PgTarget, { read?: Queryable; write?: Queryable }>();

  constructor(metrics: MetricsService, db: DatabaseView) {
    metrics.gauge({
      name: 'db_pool_connections',
      help: 'Pool connections by target and state (total, idle, waiting clients).',
      labelNames: ['target', 'state'],
      collect() {
        for (const t of db.targets) {
          const s = t.poolStats();
          this.set({ target: t.name, state: 'total' }, s.total);
          this.set({ target: t.name, state: 'idle' }, s.idle);
          this.set({ target: t.name, state: 'waiting' }, s.waiting);
        }
      },
    });
    metrics.gauge({
      name: 'db_target_up',
      help: '1 when the last probe or query reached the target.',
      labelNames: ['target', 'role'],
      collect() {
        this.reset();
        for (const t of db.targets) this.set({ target: t.name, role: t.status.role }, t.status.reachable ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'db_replica_lag_seconds',
      help: 'Replay lag of each replica as last probed.',
      labelNames: ['target'],
      collect() {
        for (const t of db.targets) if (t.status.role === 'replica') this.set({ target: t.name }, t.status.lagMs / 1000);
      },
    });
    metrics.gauge({
      name: 'db_mode',
      help: 'Database mode: 1 for the current one.',
      labelNames: ['mode'],
      collect() {
        for (const mode of MODES) this.set({ mode }, mode === db.currentMode ? 1 : 0);
      },
    });
    metrics.gauge({ name: 'db_journal_backlog', help: 'Commands in the journal, waiting for a Postgres writer.', collect() { this.set(db.journal.backlog()); } });
    this.durations = metrics.histogram({
      name: 'db_query_duration_seconds',
      help: 'Query duration by target and kind.',
      labelNames: ['target', 'kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.failovers = metrics.counter({ name: 'db_failovers_total', help: 'Times the database left normal mode.' });
    this.replayedTotal = metrics.counter({ name: 'db_journal_replayed_total', help: 'Journaled commands applied to Postgres.' });
    this.deadLetteredTotal = metrics.counter({ name: 'db_journal_dead_lettered_total', help: 'Journaled commands Postgres refused (see dead_letters).' });
  }

  /** The target's pool, timing each query into the histogram (children bound once per target and kind). */
  timed(target: PgTarget, kind: 'read' | 'write'): Queryable {
    let byKind = this.timedCache.get(target);
    if (!byKind) {
      byKind = {};
      this.timedCache.set(target, byKind);
    }
    let queryable = byKind[kind];
    if (!queryable) {
      const child = this.durations.labels({ target: target.name, kind });
      const pool = target.pool;
      queryable = {
        query: async (text, values) => {
          const started = performance.now();
          try {
            return await pool.query(text, values);
          } finally {
            child.observe((performance.now() - started) / 1000);
          }
        },
      } as Queryable;
      byKind[kind] = queryable;
    }
    return queryable;
  }

  modeChanged(from: DatabaseMode, _to: DatabaseMode): void {
    if (from === 'normal') this.failovers.inc();
  }

  replayed(applied: number, deadLettered: number): void {
    if (applied > 0) this.replayedTotal.inc(applied);
    if (deadLettered > 0) this.deadLetteredTotal.inc(deadLettered);
  }
}
