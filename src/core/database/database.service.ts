import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AppError, ErrorCode } from '../common/index.js';
import { databaseConfig } from '../config/index.js';
import { HealthService } from '../health/index.js';
import { MetricsService } from '../monitoring/index.js';
import { registerDatabaseHealth } from './database.health.js';
import { DatabaseMetrics } from './database.metrics.js';
import { isCommandRejection, isTargetFailure } from './database.errors.js';
import type { CommandHandler, DatabaseMode, Migration, Queryable, ReadSpec, WriteCommand, WriteResult } from './database.types.js';
import { FailoverMode } from './failover-mode.js';
import { Journal } from './journal/journal.js';
import { Replayer } from './journal/replayer.js';
import { migratePostgres, migrateSqlite } from './migrations.js';
import { PgTarget } from './postgres/pg-target.js';
import { TargetMonitor } from './postgres/target-monitor.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/**
 * The one entry point for reads and writes. Feature modules register command handlers and
 * migrations, then call write() and read(); which backend serves them is this service's business.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly store: SqliteStore;
  readonly journal: Journal;
  readonly targets: PgTarget[];
  readonly monitor?: TargetMonitor;
  readonly mode: FailoverMode;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly migrations: Migration[] = [];
  private readonly migrated = new Set<string>();
  private migrating?: Promise<void>;
  private readonly replayer: Replayer;
  private readonly metrics?: DatabaseMetrics;
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    @Optional() private readonly health?: HealthService,
    @Optional() metrics?: MetricsService,
  ) {
    this.store = new SqliteStore(config.sqlitePath);
    this.journal = new Journal(this.store);
    const urls = config.primaryUrl ? [config.primaryUrl, ...config.replicaUrls] : [];
    this.targets = urls.map(
      (url, i) =>
        new PgTarget({
          name: i === 0 ? 'primary' : `replica.${i}`,
          url,
          poolMax: config.poolMax,
          connectTimeoutMs: config.connectTimeoutMs,
          queryTimeoutMs: config.queryTimeoutMs,
          statementTimeoutMs: config.statementTimeoutMs,
          probeTimeoutMs: config.probeTimeoutMs,
        }),
    );
    if (this.targets.length > 0) {
      this.monitor = new TargetMonitor(this.targets, config.probeIntervalMs, config.replicaMaxLagMs, () => this.reconcile());
    }
    this.mode = new FailoverMode(this.targets.length > 0 ? 'fallback' : 'embedded');
    if (metrics) this.metrics = new DatabaseMetrics(metrics, this);
    this.replayer = new Replayer(this.store, this.journal, this.handlers, (replayed, dead) => this.metrics?.replayed(replayed, dead));
    this.mode.onChange((c) => {
      this.logger.warn(`mode: ${c.from} -> ${c.to}`);
      this.metrics?.modeChanged(c.from, c.to);
    });
  }

  onModuleInit(): void {
    if (this.health) registerDatabaseHealth(this.health, this);
  }

  onApplicationBootstrap(): void {
    // Boot never waits on a server: probes run in the background and upgrade the mode as targets answer.
    this.monitor?.start();
    if (this.monitor) this.logger.log(`Postgres targets: ${this.targets.map((t) => t.name).join(', ')}; journal backlog ${this.journal.backlog()}`);
    else this.logger.log(`embedded mode: SQLite at ${this.config.sqlitePath}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.monitor?.stop();
    await Promise.all(this.targets.map((t) => t.close()));
    this.store.close();
  }

  registerHandler(handler: CommandHandler): void {
    this.handlers.set(handler.type, handler as CommandHandler);
  }

  /** SQLite parts apply at once; Postgres parts before a writer is first used. */
  registerMigrations(migrations: readonly Migration[]): void {
    this.migrations.push(...migrations);
    const applied = migrateSqlite(this.store.db, migrations);
    if (applied.length > 0) this.logger.log(`SQLite migrations applied: ${applied.join(', ')}`);
    this.migrated.clear();
  }

  get currentMode(): DatabaseMode {
    return this.mode.current;
  }

  /** The writer, once its schema is up to date. */
  get writer(): PgTarget | undefined {
    const writer = this.monitor?.writer;
    return writer && this.migrated.has(writer.name) ? writer : undefined;
  }

  async write<P, R>(command: WriteCommand<P>): Promise<WriteResult<R>> {
    const handler = this.handlerFor<P, R>(command.type);
    const mode = this.mode.current;
    if (mode === 'embedded') return { result: handler.embedded(this.store.db, command.payload), journaled: false };
    const writer = this.writer;
    if (mode === 'normal' && writer) {
      try {
        return { result: await handler.postgres(this.timed(writer, 'write'), command.payload), journaled: false };
      } catch (error) {
        if (isCommandRejection(error)) throw error;
        // The write may or may not have committed: journaling is safe either way, since the
        // replay is idempotent on the command key.
        if (isTargetFailure(error)) writer.markDown(error);
        this.logger.warn(`direct write to ${writer.name} failed (${(error as Error).message}); journaling ${command.type} ${command.key}`);
        this.monitor?.refresh();
      }
    }
    try {
      await this.journal.append(command);
    } catch (error) {
      // The last place a write could go is unusable (disk full, file gone): nothing was acknowledged.
      this.logger.error(`journal append failed: ${(error as Error).message}`);
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'no store can take this write now', { retryAfterSeconds: 1, cause: error });
    }
    this.reconcile();
    return { result: handler.journaled(command.payload), journaled: true };
  }

  async read<R>(spec: ReadSpec<R>): Promise<R | undefined> {
    if (this.mode.current === 'embedded') return spec.embedded(this.store.db);
    const writer = this.writer;
    if (this.mode.current !== 'normal' && spec.journal) {
      const known = spec.journal({ byEntity: (type, id) => this.store.findByEntity(type, id) });
      if (known !== undefined) return known;
    }
    const replicas = spec.consistency === 'strong' ? [] : this.shuffledReplicas();
    const candidates = writer ? (replicas.length === 0 ? [writer] : [...replicas, writer]) : replicas;
    for (const target of candidates) {
      try {
        const result = await spec.postgres(this.timed(target, 'read'));
        // A miss on a replica may be lag: only the writer can confirm that a row does not exist.
        if (result === undefined && spec.kind === 'single' && target !== writer) continue;
        return result;
      } catch (error) {
        if (!isTargetFailure(error)) throw error;
        target.markDown(error);
        this.monitor?.refresh();
      }
    }
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'the database cannot answer this read now', {
      retryAfterSeconds: Math.max(1, this.config.probeIntervalMs / 1000),
    });
  }

  /** Recomputes the mode from what the probes and the journal say; starts what the mode needs. */
  reconcile(): void {
    if (!this.monitor) return;
    const candidate = this.monitor.writer;
    if (candidate && !this.migrated.has(candidate.name)) void this.migrate(candidate);
    this.mode.update({
      hasPostgres: true,
      writer: this.writer !== undefined,
      readableReplica: this.monitor.readableReplicas().length > 0,
      backlog: this.journal.backlog(),
    });
    const writer = this.writer;
    if (this.mode.current === 'replaying' && writer && !this.replayer.isRunning) {
      void this.replayer.run(writer).then(() => this.reconcile());
    }
  }

  private async migrate(writer: PgTarget): Promise<void> {
    this.migrating ??= migratePostgres(writer.pool, this.migrations)
      .then((applied) => {
        if (applied.length > 0) this.logger.log(`Postgres migrations applied on ${writer.name}: ${applied.join(', ')}`);
        this.migrated.add(writer.name);
      })
      .catch((error: unknown) => {
        this.logger.error(`migrations on ${writer.name} failed: ${(error as Error).message}`);
        if (isTargetFailure(error)) writer.markDown(error);
      })
      .finally(() => {
        this.migrating = undefined;
        this.reconcile();
      });
    return this.migrating;
  }

  private handlerFor<P, R>(type: string): CommandHandler<P, R> {
    const handler = this.handlers.get(type);
    if (!handler) throw new Error(`no command handler registered for "${type}"`);
    return handler as CommandHandler<P, R>;
  }

  private shuffledReplicas(): PgTarget[] {
    const replicas = this.monitor?.readableReplicas() ?? [];
    if (replicas.length < 2) return replicas;
    const start = Math.floor(Math.random() * replicas.length);
    return [...replicas.slice(start), ...replicas.slice(0, start)];
  }

  private timed(target: PgTarget, kind: 'read' | 'write'): Queryable {
    return this.metrics ? this.metrics.timed(target, kind) : target.pool;
  }
}
