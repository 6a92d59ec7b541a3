import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../../common/index.js';
import type { TargetView } from '../database.types.js';
import type { SchemaMigrator } from '../typeorm/schema.migrator.js';
import { TargetRouter } from '../typeorm/target-router.js';
import type { PgTarget } from './pg-target.js';
import type { TargetMonitor } from './target-monitor.js';

/**
 * The Postgres side of the database as one thing: the targets and their probes (monitor), whose
 * schema is up to date (migrator), and which one serves a connection (the router, built on the
 * two, so "the writer" means the same target everywhere).
 */
export class PostgresTargets {
  readonly router: TargetRouter;

  constructor(
    private readonly monitor: TargetMonitor,
    private readonly schema: SchemaMigrator,
    /** What a 503 tells the client to wait: one probe interval, at least a second. */
    readonly retryAfterSeconds: number,
  ) {
    this.router = new TargetRouter({
      writer: () => this.writer,
      readableReplicas: () => this.readableReplicas(),
      retryAfterSeconds,
    });
  }

  get configured(): boolean {
    return this.monitor.targets.length > 0;
  }

  get names(): string[] {
    return this.monitor.targets.map((t) => t.name);
  }

  /** The target that takes writes, whether or not its schema is up to date yet. */
  get candidate(): PgTarget | undefined {
    return this.monitor.writer;
  }

  /** The writer, once its schema is up to date. */
  get writer(): PgTarget | undefined {
    const writer = this.monitor.writer;
    return this.schema.isMigrated(writer) ? writer : undefined;
  }

  readableReplicas(): PgTarget[] {
    return this.monitor.readableReplicas();
  }

  /** The current writer, or a 503 naming what could not be done without one. */
  requireWriter(what: string): PgTarget {
    const writer = this.writer;
    if (!writer)
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no Postgres writer to ${what} into`, {
        retryAfterSeconds: this.retryAfterSeconds,
      });
    return writer;
  }

  views(): TargetView[] {
    const { fenced } = this.monitor.fencing;
    return this.monitor.targets.map((t) => t.view(fenced.includes(t.name)));
  }

  /** Why no target is the writer although one accepts writes. */
  get writerUndecided(): string | undefined {
    return this.monitor.fencing.undecided;
  }

  /** Runs `fn` with every connection it takes pinned to `target`. */
  on<T>(target: PgTarget, fn: () => Promise<T>): Promise<T> {
    return this.router.on(target, fn);
  }

  needsMigration(target: PgTarget): boolean {
    return !this.schema.isMigrated(target);
  }

  migrate(dataSource: DataSource, target: PgTarget): Promise<string[]> {
    return this.schema.migrate(dataSource, this.router, target);
  }

  /** Re-derives the writer now (after a query saw a target fail). */
  refresh(): void {
    this.monitor.refresh();
  }

  onChange(listener: () => void): () => void {
    return this.monitor.onChange(listener);
  }

  start(): void {
    this.monitor.start();
  }

  async close(): Promise<void> {
    this.monitor.stop();
    await Promise.all(this.monitor.targets.map((t) => t.close()));
  }
}
