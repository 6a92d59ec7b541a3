import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../health/index.js';
import { DatabaseService } from './database.service.js';
import type { TargetView } from './database.types.js';
import { Journal } from './journal/journal.js';

const DEGRADED_MODES = new Set(['fallback', 'replica-read-only', 'replaying']);

/**
 * Terminus indicators of the database layer, read from the background probes and the journal so
 * a frozen server never makes health wait:
 * - `database.<target>` per Postgres target (non-critical: a dead primary must not take the
 *   instance out of the load balancer while the journal takes writes);
 * - `database.sqlite`, the journal file;
 * - `database` (critical): up in normal and embedded mode, degraded while failing over or
 *   replaying, down only when no write can be accepted.
 */
@Injectable()
export class DatabaseHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseService,
    private readonly journal: Journal,
  ) {}

  onModuleInit(): void {
    for (const target of this.database.status().targets) {
      this.health.register({
        name: `database.${target.name}`,
        critical: false,
        check: (key) => this.target(key, target.name),
      });
    }
    this.health.register({ name: 'database.sqlite', critical: false, weight: 0.5, check: (key) => this.sqlite(key) });
    this.health.register({ name: 'database', critical: true, weight: 3, check: (key) => this.overall(key) });
  }

  private target(key: string, name: string) {
    const t = this.database.status().targets.find((candidate) => candidate.name === name) as TargetView;
    const data = {
      role: t.role,
      timeline: t.timeline,
      latencyMs: t.latencyMs,
      ...(t.role === 'replica' && { lagMs: t.lagMs }),
      pool: t.pool,
      ...(t.lastProbeAt && { lastProbeAt: new Date(t.lastProbeAt).toISOString() }),
      ...(t.lastError && { reason: t.lastError }),
    };
    const check = this.indicators.check(key);
    if (t.fenced)
      return check.down({
        ...data,
        fenced: true,
        reason: 'accepts writes but lost the writer election (an old primary): never written to',
      });
    return t.reachable ? check.up(data) : check.down(data);
  }

  private sqlite(key: string) {
    const writable = this.journal.writable();
    const disk = this.journal.disk();
    const data = {
      backlog: this.journal.backlog(),
      deadLetters: this.journal.deadLetterCount(),
      ...(disk && { disk: { freeBytes: disk.freeBytes, reserve: disk.reserve } }),
    };
    const check = this.indicators.check(key);
    if (writable) return check.up(data);
    return check.down({ ...data, reason: disk?.reason ?? 'the journal file is read-only' });
  }

  private overall(key: string) {
    const status = this.database.status();
    const data = {
      mode: status.mode,
      since: new Date(status.since).toISOString(),
      backlog: status.backlog,
      deadLetters: status.deadLetters,
      ...(status.writer && { writer: status.writer }),
      ...(status.writerUndecided && { reason: `no writer: ${status.writerUndecided}` }),
    };
    const check = this.indicators.check(key);
    let journalWritable: boolean;
    try {
      journalWritable = this.journal.writable();
    } catch {
      journalWritable = false;
    }
    if (status.mode === 'normal') return check.up(data);
    if (!journalWritable) return check.down({ ...data, reason: `the journal cannot be written${this.diskReason()}` });
    return DEGRADED_MODES.has(status.mode) ? check.degraded(data) : check.up(data);
  }

  private diskReason(): string {
    const reason = this.journal.disk()?.reason;
    return reason ? ` (${reason})` : '';
  }
}
