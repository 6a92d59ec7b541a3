import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../../common/index.js';
import { isTargetFailure } from '../database.errors.js';
import { DatabaseMetrics } from '../database.metrics.js';
import type { ReadSpec } from '../database.types.js';
import { FailoverMode } from '../failover-mode.js';
import { Journal } from '../journal/journal.js';
import { PostgresTargets } from '../postgres/postgres-targets.js';
import { shuffledReplicas } from '../postgres/replica-rotation.js';
import { pgSpan } from '../database.spans.js';

/**
 * Where a read is answered: the journal first while failing over (what only it knows), then a
 * replica, then the writer; a miss a replica cannot confirm goes on to the writer, and no target
 * able to answer is a 503, never a false 404.
 */
@Injectable()
export class ReadRouter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: PostgresTargets,
    private readonly journal: Journal,
    private readonly mode: FailoverMode,
    private readonly metrics: DatabaseMetrics,
  ) {}

  async read<R>(spec: ReadSpec<R>): Promise<R | undefined> {
    if (this.mode.current === 'embedded') return spec.run(this.dataSource.manager);
    const writer = this.targets.writer;
    if (this.mode.current !== 'normal' && spec.journal) {
      const known = spec.journal({ byEntity: (type, id) => this.journal.findByEntity(type, id) });
      if (known !== undefined) return known;
    }
    const replicas = spec.consistency === 'strong' ? [] : shuffledReplicas(this.targets);
    const candidates = writer ? [...replicas, writer] : replicas;
    for (const target of candidates) {
      try {
        const result = await this.metrics.time(target.name, 'read', () =>
          pgSpan(target.name, 'read', () => this.targets.on(target, () => spec.run(this.dataSource.manager))),
        );
        // A miss on a replica may be lag: only the writer can confirm that a row does not exist.
        if (result === undefined && spec.kind === 'single' && target !== writer) continue;
        return result;
      } catch (error) {
        if (!isTargetFailure(error)) throw error;
        target.markDown(error);
        this.targets.refresh();
      }
    }
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'the database cannot answer this read now', {
      retryAfterSeconds: this.targets.retryAfterSeconds,
    });
  }
}
