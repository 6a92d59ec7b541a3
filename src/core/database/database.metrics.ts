import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from './database.config.js';
import type { Counter } from 'prom-client';
import { type BucketHistogram, type BucketRecorder, MetricsService } from '../monitoring/index.js';
import type { DatabaseMode, DatabaseStatus } from './database.types.js';
import { DatabaseState } from './database.state.js';

const MODES: DatabaseMode[] = ['embedded', 'normal', 'replica-read-only', 'fallback', 'replaying'];

/** Pool, operation, mode and journal metrics; gauges read the database's status at scrape time. */
@Injectable()
export class DatabaseMetrics {
  private readonly durations: BucketHistogram;
  private readonly children = new Map<string, BucketRecorder>();
  private readonly failovers: Counter;
  private readonly replayedTotal: Counter;
  private readonly deadLetteredTotal: Counter;
  private readonly replayFailuresTotal: Counter;
  constructor(
    metrics: MetricsService,
    @Inject(databaseConfig.KEY) config: ConfigType<typeof databaseConfig>,
    state: DatabaseState,
  ) {
    const status = (): DatabaseStatus => state.status();
    metrics.gauge({
      name: 'db_pool_connections',
      help: 'Pool connections by target and state (total, idle, waiting clients).',
      labelNames: ['target', 'state'],
      collect() {
        for (const t of status()?.targets ?? []) {
          this.set({ target: t.name, state: 'total' }, t.pool.total);
          this.set({ target: t.name, state: 'idle' }, t.pool.idle);
          this.set({ target: t.name, state: 'waiting' }, t.pool.waiting);
        }
      },
    });
    metrics.gauge({
      name: 'db_target_up',
      help: '1 when the last probe or query reached the target.',
      labelNames: ['target', 'role'],
      collect() {
        this.reset();
        for (const t of status()?.targets ?? []) this.set({ target: t.name, role: t.role }, t.reachable ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'db_target_fenced',
      help: '1 when the target accepts writes but lost the writer election (split brain): never written to.',
      labelNames: ['target'],
      collect() {
        for (const t of status()?.targets ?? []) this.set({ target: t.name }, t.fenced ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'db_replica_lag_seconds',
      help: 'Replay lag of each replica as last probed.',
      labelNames: ['target'],
      collect() {
        for (const t of status()?.targets ?? []) if (t.role === 'replica') this.set({ target: t.name }, t.lagMs / 1000);
      },
    });
    const budget = config.replicaMaxLagMs / 1000;
    metrics.gauge({
      name: 'db_replica_lag_budget_seconds',
      help: 'DB_REPLICA_MAX_LAG_MS: a replica lagging more serves no reads.',
      collect() {
        this.set(budget);
      },
    });
    metrics.gauge({
      name: 'db_mode',
      help: 'Database mode: 1 for the current one.',
      labelNames: ['mode'],
      collect() {
        const current = status()?.mode;
        for (const mode of MODES) this.set({ mode }, mode === current ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'db_journal_backlog',
      help: 'Commands in the journal, waiting for a Postgres writer.',
      collect() {
        this.set(status()?.backlog ?? 0);
      },
    });
    metrics.gauge({
      name: 'db_journal_dead_letters',
      help: 'Dead letters waiting for an operator (npm run journal:dead-letters): neither redriven nor discarded.',
      collect() {
        this.set(status()?.deadLetters ?? 0);
      },
    });
    this.durations = metrics.bucketHistogram(
      'db_query_duration_seconds',
      'Duration of each database operation (a command or a read) by target and kind.',
      ['target', 'kind'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
    this.failovers = metrics.counter({ name: 'db_failovers_total', help: 'Times the database left normal mode.' });
    this.replayedTotal = metrics.counter({
      name: 'db_journal_replayed_total',
      help: 'Journaled commands applied to Postgres.',
    });
    this.deadLetteredTotal = metrics.counter({
      name: 'db_journal_dead_lettered_total',
      help: 'Journaled commands Postgres refused, or that failed DB_REPLAY_MAX_ATTEMPTS times (see dead_letters).',
    });
    this.replayFailuresTotal = metrics.counter({
      name: 'db_journal_replay_failures_total',
      help: 'Replay attempts that failed for a reason other than an outage (kept for another attempt).',
    });
  }

  /** Runs `operation`, timing it into the histogram (children bound once per target and kind). */
  async time<T>(target: string, kind: 'read' | 'write', operation: () => Promise<T>): Promise<T> {
    const key = `${target}\u0000${kind}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.durations.child(target, kind);
      this.children.set(key, child);
    }
    const started = performance.now();
    try {
      return await operation();
    } finally {
      child.observe((performance.now() - started) / 1000);
    }
  }

  modeChanged(from: DatabaseMode, _to: DatabaseMode): void {
    if (from === 'normal') this.failovers.inc();
  }

  replayed(applied: number, deadLettered: number, failed = 0): void {
    if (applied > 0) this.replayedTotal.inc(applied);
    if (deadLettered > 0) this.deadLetteredTotal.inc(deadLettered);
    if (failed > 0) this.replayFailuresTotal.inc(failed);
  }
}
