import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { runDetached } from '../common/index.js';
import { databaseConfig } from './database.config.js';
import { CommandBus } from './commands/command-bus.js';
import { DatabaseMetrics } from './database.metrics.js';
import { DatabaseState } from './database.state.js';
import type {
  CommandHandler,
  DatabaseMode,
  DatabaseStatus,
  ReadSpec,
  WriteOptions,
  WriteResult,
} from './database.types.js';
import { FailoverMode } from './failover-mode.js';
import { Journal } from './journal/journal.js';
import type { ReplayOutcome } from './journal/replayer.js';
import { PostgresTargets } from './postgres/postgres-targets.js';
import { WriterDiscovery } from './postgres/writer-discovery.js';
import { ReadRouter } from './reads/read-router.js';
import { ReplayScheduler } from './replay/replay-scheduler.js';

/**
 * What feature modules use: `write()` (the command bus), `read()` (the read router), the status,
 * and the operator tools. It also holds the one place the mode is derived, `derive()`, from the
 * events of the targets and the journal, and starts what the mode needs (migrations on a new
 * writer, the replay). Each role is its own class beside it: CommandBus, ReadRouter, FailoverMode,
 * ReplayScheduler, WriterDiscovery.
 */
@Injectable()
export class DatabaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    private readonly targets: PostgresTargets,
    private readonly journal: Journal,
    private readonly mode: FailoverMode,
    private readonly state: DatabaseState,
    private readonly bus: CommandBus,
    private readonly reads: ReadRouter,
    private readonly replay: ReplayScheduler,
    private readonly discovery: WriterDiscovery,
    metrics: DatabaseMetrics,
  ) {
    this.mode.onChange((c) => {
      this.logger.warn(`mode: ${c.from} -> ${c.to}`);
      metrics.modeChanged(c.from, c.to);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.targets.configured) {
      this.logger.log(`embedded mode: SQLite at ${this.config.sqlitePath}`);
      return;
    }
    this.replay.assertHandlersFor(this.journal, this.config.sqlitePath);
    // A request's append or failed write may be what changes the mode: what derive() starts (a
    // replay, migrations) is background work and logs no request's id.
    const derive = () => runDetached(() => this.derive());
    this.targets.onChange(derive);
    this.journal.onChange(derive);
    // Boot never waits on a server: probes run in the background and upgrade the mode as targets answer.
    this.targets.start();
    this.logger.log(`Postgres targets: ${this.targets.names.join(', ')}; journal backlog ${this.journal.backlog()}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.replay.stop();
    await this.targets.close();
    this.journal.close();
  }

  /** A read-only snapshot: mode, writer, targets, journal. */
  status(): DatabaseStatus {
    return this.state.status();
  }

  get currentMode(): DatabaseMode {
    return this.mode.current;
  }

  /**
   * Applies `command` (a handler declared with `DatabaseModule.forFeature({ commands })`) to
   * `payload` on the writer in a transaction, and answers its result; journals it when no writer
   * can take it (then the handler's `journaled` or `repeated` answers).
   */
  write<P, R>(command: CommandHandler<P, R>, payload: P, options: WriteOptions): Promise<WriteResult<R>> {
    return this.bus.write(command, payload, options);
  }

  /**
   * Runs `work` in a transaction on the writer (on SQLite, in turn with the other writes), or
   * refuses it (503) when no Postgres takes writes: for work that must not be journaled.
   */
  writeTransaction<R>(work: (manager: EntityManager) => Promise<R>): Promise<R> {
    return this.bus.writeTransaction(work);
  }

  /** Reads through `spec`: the journal first while failing over, then a replica, then the writer. */
  read<R>(spec: ReadSpec<R>): Promise<R | undefined> {
    return this.reads.read(spec);
  }

  /** The migrated writer's name as soon as there is one, or undefined after `timeoutMs`. */
  waitForWriter(timeoutMs: number): Promise<string | undefined> {
    return this.discovery.waitForWriter(timeoutMs);
  }

  /** Replays another instance's journal file into the writer, exactly once (ReplayScheduler). */
  drainFile(path: string): Promise<ReplayOutcome & { left: number; deadLetters: ReturnType<Journal['deadLetters']> }> {
    return this.replay.drainFile(path);
  }

  /** Applies dead letter `seq` of the journal at `path` again, on the writer (ReplayScheduler). */
  redrive(path: string, seq: number): Promise<{ type: string; key: string }> {
    return this.replay.redrive(path, seq);
  }

  /** Dead-lettered journal entries, newest first (for operators). */
  deadLetters(limit?: number): ReturnType<Journal['deadLetters']> {
    return this.journal.deadLetters(limit);
  }

  get retryAfterSeconds(): number {
    return this.targets.retryAfterSeconds;
  }

  /** The one place the mode is derived, and what the mode needs is started. */
  private derive(): void {
    this.discovery.advance(() => this.derive());
    const writer = this.targets.writer;
    this.mode.update({
      hasPostgres: true,
      writer: writer !== undefined,
      readableReplica: this.targets.readableReplicas().length > 0,
      backlog: this.journal.backlog(),
    });
    if (this.mode.current === 'replaying' && writer) this.replay.kick(writer, () => this.derive());
    this.discovery.notify();
  }
}
