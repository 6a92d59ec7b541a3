import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Listeners, secretRedactor } from '../../common/index.js';
import { isTargetFailure } from '../database.errors.js';
import type { PgTarget } from './pg-target.js';
import { PostgresTargets } from './postgres-targets.js';

/**
 * From the target that takes writes to the writer: migrations run on each new candidate (under
 * the migrator's lock) before it serves, and those who wait for a writer are told when there is one.
 */
@Injectable()
export class WriterDiscovery {
  private readonly logger = new Logger('Database');
  private readonly changed = new Listeners();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: PostgresTargets,
  ) {}

  /** Migrates the candidate when it needs it; `migrated` is told once it is the writer. */
  advance(migrated: () => void): void {
    const candidate = this.targets.candidate;
    if (candidate && this.targets.needsMigration(candidate)) this.migrate(candidate, migrated);
  }

  /** Tells those waiting that what they wait on may have changed. */
  notify(): void {
    this.changed.emit();
  }

  /**
   * The name of the migrated writer as soon as there is one, or undefined after `timeoutMs` (at
   * once when no Postgres is configured). For tools that need Postgres before they act.
   */
  waitForWriter(timeoutMs: number): Promise<string | undefined> {
    const now = this.targets.writer?.name;
    if (now || !this.targets.configured) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        stop();
        resolve(this.targets.writer?.name);
      };
      const stop = this.changed.add(() => {
        if (this.targets.writer) finish();
      });
      const timer = setTimeout(finish, timeoutMs);
    });
  }

  private migrate(target: PgTarget, migrated: () => void): void {
    this.targets.migrate(this.dataSource, target).then(migrated, (error: unknown) => {
      this.logger.error(`migrations on ${target.name} failed: ${secretRedactor.scrub((error as Error).message)}`);
      if (isTargetFailure(error)) target.markDown(error);
    });
  }
}
