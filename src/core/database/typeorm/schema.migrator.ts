import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { PgTarget } from '../postgres/pg-target.js';
import type { TargetRouter } from './target-router.js';

// One instance migrates at a time: others wait on the lock, then find nothing left to do.
// TypeORM's MigrationExecutor takes no lock of its own.
const LOCK_KEY = 7_421_977;

/**
 * Knows which Postgres targets have an up-to-date schema, and brings one up to date: TypeORM's
 * migrations, run on that target (pinned, whatever the router would pick) under an advisory lock.
 */
export class SchemaMigrator {
  private readonly migrated = new Set<string>();
  private readonly running = new Map<string, Promise<string[]>>();
  private readonly logger = new Logger('Database');

  isMigrated(target: PgTarget | undefined): boolean {
    return target !== undefined && this.migrated.has(target.name);
  }

  /** Single flight per target; resolves with the names of the migrations applied. */
  migrate(dataSource: DataSource, router: TargetRouter, target: PgTarget): Promise<string[]> {
    let run = this.running.get(target.name);
    if (!run) {
      run = router.on(target, () => this.run(dataSource, target)).finally(() => this.running.delete(target.name));
      this.running.set(target.name, run);
    }
    return run;
  }

  private async run(dataSource: DataSource, target: PgTarget): Promise<string[]> {
    const runner = dataSource.createQueryRunner('master');
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
      try {
        // The DataSource was initialised without a server: learn the real version now.
        const [{ server_version: version }] = (await runner.query('SHOW server_version')) as Array<{
          server_version: string;
        }>;
        (dataSource.driver as PostgresDriver).version = version;
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        this.migrated.add(target.name);
        if (applied.length > 0)
          this.logger.log(`Postgres migrations applied on ${target.name}: ${applied.map((m) => m.name).join(', ')}`);
        return applied.map((m) => m.name);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
