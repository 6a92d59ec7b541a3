import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  AppError,
  ErrorCode,
  IntervalLog,
  Listeners,
  REFUSAL_LOG_INTERVAL_MS,
  runDetached,
  secretRedactor,
} from '../common/index.js';
import { databaseConfig } from './database.config.js';
import { isCommandRejection, isTargetFailure } from './database.errors.js';
import { DatabaseMetrics } from './database.metrics.js';
import type {
  CommandHandler,
  DatabaseMode,
  DatabaseStatus,
  ReadSpec,
  WriteCommand,
  WriteOptions,
  WriteResult,
} from './database.types.js';
import { collectCommands, DeclaredCommands } from './commands/declared-commands.js';
import { FailoverMode } from './failover-mode.js';
import { Journal } from './journal/journal.js';
import { type ReplayOutcome, Replayer } from './journal/replayer.js';
import type { PgTarget } from './postgres/pg-target.js';
import { PoolBusyError } from './postgres/pool-busy.js';
import { PostgresTargets } from './postgres/postgres-targets.js';
import { findUnstorableText } from './storable-text.validator.js';
import { SerialQueue } from './typeorm/serial-queue.js';

/**
 * Resilient writes and reads over the TypeORM DataSource. Feature modules register command
 * handlers, then call write() and read(); which backend serves them is this service's business.
 * The mode is derived in one place, derive(), from the events of the monitor, the journal,
 * the migrator and the replayer.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly mode: FailoverMode;
  private readonly replayer: Replayer;
  private readonly postgres: boolean;
  // SQLite runs one connection for the whole process: TypeORM would nest concurrent transactions.
  private readonly embeddedWrites = new SerialQueue();
  private readonly logger = new Logger('Database');
  // A full journal volume fails every write until it has room: one line per interval, with a count.
  private readonly appendFailures = new IntervalLog((line) => this.logger.error(line), REFUSAL_LOG_INTERVAL_MS);
  private replayPaused?: NodeJS.Timeout;
  // Told after every derive(): what waitForWriter() listens to.
  private readonly derived = new Listeners();

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: PostgresTargets,
    private readonly journal: Journal,
    private readonly metrics: DatabaseMetrics,
    private readonly discovery: DiscoveryService,
  ) {
    this.postgres = targets.configured;
    this.mode = new FailoverMode(this.postgres ? 'fallback' : 'embedded');
    this.replayer = this.replayerFor(journal);
    this.mode.onChange((c) => {
      this.logger.warn(`mode: ${c.from} -> ${c.to}`);
      metrics.modeChanged(c.from, c.to);
    });
  }

  onModuleInit(): void {
    this.metrics.bind(() => this.status());
    const declared = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is DeclaredCommands => instance instanceof DeclaredCommands);
    for (const [type, handler] of collectCommands(declared)) this.handlers.set(type, handler);
  }

  onApplicationBootstrap(): void {
    if (!this.postgres) {
      this.logger.log(`embedded mode: SQLite at ${this.config.sqlitePath}`);
      return;
    }
    this.assertHandlersFor(this.journal, this.config.sqlitePath);
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
    clearTimeout(this.replayPaused);
    await this.targets.close();
    this.journal.close();
  }

  /** A read-only snapshot: mode, writer, targets, journal. */
  status(): DatabaseStatus {
    return {
      mode: this.mode.current,
      since: this.mode.since,
      writer: this.targets.writer?.name,
      readableReplicas: this.targets.readableReplicas().map((t) => t.name),
      ...(this.targets.writerUndecided && { writerUndecided: this.targets.writerUndecided }),
      targets: this.targets.views(),
      backlog: this.journal.backlog(),
      deadLetters: this.journal.deadLetterCount(),
    };
  }

  get currentMode(): DatabaseMode {
    return this.mode.current;
  }

  /**
   * Applies `command` (a handler declared with `DatabaseModule.forFeature({ commands })`) to
   * `payload` on the writer in a transaction, and answers its result; journals it when no writer
   * can take it (then the handler's `journaled` or `repeated` answers).
   */
  async write<P, R>(command: CommandHandler<P, R>, payload: P, options: WriteOptions): Promise<WriteResult<R>> {
    const handler = this.handlerFor<P, R>(command.type);
    if (handler !== command)
      throw new Error(`command "${command.type}" is not the one declared with DatabaseModule.forFeature({ commands })`);
    return this.run(handler, { type: command.type, payload, ...options });
  }

  private async run<P, R>(handler: CommandHandler<P, R>, command: WriteCommand<P>): Promise<WriteResult<R>> {
    // A NUL would be taken by the journal and refused by Postgres on every replay: refused here instead.
    const unstorable = findUnstorableText(command.payload);
    if (unstorable)
      throw new AppError(ErrorCode.VALIDATION_FAILED, `${unstorable} holds U+0000, which Postgres cannot store`, {
        details: { [unstorable]: 'U+0000' },
      });
    const mode = this.mode.current;
    if (mode === 'embedded') {
      return {
        result: await this.embeddedWrites.run(() => this.transaction(handler, command.payload)),
        journaled: false,
      };
    }
    const writer = this.targets.writer;
    // While replaying, a command whose entity has nothing left in the journal cannot overtake an
    // earlier command of its own: it goes to the writer directly, and answers as Postgres does.
    const direct = mode === 'normal' || (mode === 'replaying' && !this.journal.holdsEntity(command.entityId));
    if (direct && writer) {
      try {
        const result = await this.metrics.time(writer.name, 'write', () =>
          this.targets.on(writer, () => this.transaction(handler, command.payload)),
        );
        return { result, journaled: false };
      } catch (error) {
        if (isCommandRejection(error)) throw error;
        // Our own pool could not hand out a client: the target is up and nothing reached it on
        // that client. Answered 503 + Retry-After, not journaled: a journaled command answers 2xx
        // while GET cannot see it (reads in normal mode do not look in the journal), and its
        // backlog would take the mode to replaying and every new write behind it. A 503 claims
        // nothing, and a retry is idempotent on the command key.
        if (error instanceof PoolBusyError) throw error;
        // The write may or may not have committed: journaling is safe either way, since the
        // replay is idempotent on the command key.
        if (isTargetFailure(error)) writer.markDown(error);
        this.logger.warn(
          `direct write to ${writer.name} failed (${secretRedactor.scrub((error as Error).message)}); journaling ${command.type} ${command.key}`,
        );
        this.targets.refresh();
      }
    }
    // What a replica already holds answers a repeat as Postgres would (a key stored before the outage).
    if (handler.stored && !this.journal.findByEntity(command.type, command.entityId)) {
      const stored = await this.storedOnReplica(handler, command.payload);
      if (stored !== undefined) return { result: stored, journaled: false };
    }
    // Checked and appended in one synchronous step: two concurrent repeats cannot both pass.
    const earlier = handler.repeated && this.journal.findByEntity(command.type, command.entityId);
    if (earlier && handler.repeated) {
      const result = handler.repeated(earlier.payload as P, command.payload);
      if (earlier.seq === 0) await this.appended(this.journal.pendingCommitted());
      return { result, journaled: true };
    }
    await this.appended(this.journal.append(command));
    return { result: handler.journaled(command.payload), journaled: true };
  }

  /** The handler's answer from the first readable replica that answers; undefined when none knows the command. */
  private async storedOnReplica<P, R>(handler: CommandHandler<P, R>, payload: P): Promise<R | undefined> {
    for (const replica of this.shuffledReplicas()) {
      try {
        return await this.targets.on(replica, () => handler.stored!(this.dataSource.manager, payload));
      } catch (error) {
        if (!isTargetFailure(error)) throw error;
        replica.markDown(error);
        this.targets.refresh();
      }
    }
    return undefined;
  }

  private async appended(commit: Promise<unknown>): Promise<void> {
    try {
      await commit;
    } catch (error) {
      // The last place a write could go is unusable (disk full, file gone): nothing was acknowledged.
      this.appendFailures.note('append', `journal append failed: ${(error as Error).message}`);
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'no store can take this write now', {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
  }

  /** Reads through `spec`: the journal first while failing over, then a replica, then the writer. */
  async read<R>(spec: ReadSpec<R>): Promise<R | undefined> {
    if (this.mode.current === 'embedded') return spec.run(this.dataSource.manager);
    const writer = this.targets.writer;
    if (this.mode.current !== 'normal' && spec.journal) {
      const known = spec.journal({ byEntity: (type, id) => this.journal.findByEntity(type, id) });
      if (known !== undefined) return known;
    }
    const replicas = spec.consistency === 'strong' ? [] : this.shuffledReplicas();
    const candidates = writer ? [...replicas, writer] : replicas;
    for (const target of candidates) {
      try {
        const result = await this.metrics.time(target.name, 'read', () =>
          this.targets.on(target, () => spec.run(this.dataSource.manager)),
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
      retryAfterSeconds: this.retryAfterSeconds,
    });
  }

  /**
   * The name of the migrated writer as soon as there is one, or undefined after `timeoutMs` (at
   * once when no Postgres is configured). For tools that need Postgres before they act.
   */
  waitForWriter(timeoutMs: number): Promise<string | undefined> {
    const now = this.targets.writer?.name;
    if (now || !this.postgres) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        stop();
        resolve(this.targets.writer?.name);
      };
      const stop = this.derived.add(() => {
        if (this.targets.writer) finish();
      });
      const timer = setTimeout(finish, timeoutMs);
    });
  }

  /** The current writer, or a 503 naming what could not be done without one. */
  private requireWriter(what: string): PgTarget {
    const writer = this.targets.writer;
    if (!writer)
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no Postgres writer to ${what} into`, {
        retryAfterSeconds: this.retryAfterSeconds,
      });
    return writer;
  }

  /**
   * Replays a journal file another instance left behind (a scaled-in pod's volume) into the
   * current writer, exactly once: entries leave that file only after Postgres committed them, and
   * a command already applied by its own instance, or by this one, is a no-op. Refused (503) while
   * there is no writer; the file is then untouched.
   */
  async drainFile(
    path: string,
  ): Promise<ReplayOutcome & { left: number; deadLetters: ReturnType<Journal['deadLetters']> }> {
    const writer = this.requireWriter('replay');
    const journal = new Journal(path, { existing: true });
    try {
      this.assertHandlersFor(journal, path);
      const replayer = this.replayerFor(journal);
      const total = { replayed: 0, deadLettered: 0 };
      // Entries that failed get their remaining attempts here, a probe interval apart, as in a live instance.
      for (let run = 1; ; run++) {
        const outcome = await replayer.run(writer);
        total.replayed += outcome.replayed;
        total.deadLettered += outcome.deadLettered;
        if (outcome.result !== 'held' || run >= this.config.replayMaxAttempts)
          return { ...outcome, ...total, left: journal.backlog(), deadLetters: journal.deadLetters() };
        await new Promise((resolve) => setTimeout(resolve, this.config.probeIntervalMs));
      }
    } finally {
      journal.close();
    }
  }

  /**
   * Applies dead letter `seq` of the journal file at `path` again through its declared handler,
   * on the writer (handlers are idempotent on their key), and forgets it once Postgres committed.
   * Refused while an earlier dead letter of the same entity waits: commands of one entity apply in order.
   */
  async redrive(path: string, seq: number): Promise<{ type: string; key: string }> {
    const writer = this.requireWriter('redrive');
    const journal = new Journal(path, { existing: true });
    try {
      const dead = journal.deadLetter(seq);
      if (!dead || dead.discarded) throw new Error(`no dead letter ${seq} to redrive${dead ? ' (discarded)' : ''}`);
      const earlier = journal
        .deadLetters(Number.MAX_SAFE_INTEGER)
        .find((d) => d.entityId === dead.entityId && d.seq < seq);
      if (earlier) throw new Error(`dead letter ${earlier.seq} of the same entity comes first: redrive or discard it`);
      const handler = this.handlerFor(dead.type);
      await this.targets.on(writer, () => this.transaction(handler, dead.payload));
      journal.removeDeadLetter(seq);
      return { type: dead.type, key: dead.key };
    } finally {
      journal.close();
    }
  }

  /** Dead-lettered journal entries, newest first (for operators). */
  deadLetters(limit?: number): ReturnType<Journal['deadLetters']> {
    return this.journal.deadLetters(limit);
  }

  get retryAfterSeconds(): number {
    return this.targets.retryAfterSeconds;
  }

  /** A journaled command no module declares a handler for is a boot error, never a dead letter. */
  private assertHandlersFor(journal: Journal, path: string): void {
    const missing = journal.pendingTypes().filter((type) => !this.handlers.has(type));
    if (missing.length > 0)
      throw new Error(
        `the journal ${path} holds commands of type ${missing.map((t) => `"${t}"`).join(', ')} that no module declares a handler for (DatabaseModule.forFeature({ commands })): start with the modules that wrote them`,
      );
  }

  private replayerFor(journal: Journal): Replayer {
    const counters = {
      batch: (replayed: number, dead: number, failed: number) => this.metrics.replayed(replayed, dead, failed),
    };
    return new Replayer(
      this.dataSource,
      this.targets.router,
      journal,
      this.handlers,
      counters,
      this.config.replayMaxAttempts,
    );
  }

  /** The one place the mode is derived, and what the mode needs is started. */
  private derive(): void {
    const candidate = this.targets.candidate;
    if (candidate && this.targets.needsMigration(candidate)) this.migrate(candidate);
    const writer = this.targets.writer;
    this.mode.update({
      hasPostgres: true,
      writer: writer !== undefined,
      readableReplica: this.targets.readableReplicas().length > 0,
      backlog: this.journal.backlog(),
    });
    if (this.mode.current === 'replaying' && writer && !this.replayer.isRunning && !this.replayPaused) {
      void this.replayer.run(writer).then((outcome) => {
        if (outcome.result === 'done') return this.derive();
        // Interrupted by something other than a lost writer (which a probe will report): try again
        // after a probe interval, not in a hot loop.
        this.replayPaused = setTimeout(() => {
          this.replayPaused = undefined;
          this.derive();
        }, this.config.probeIntervalMs);
        this.replayPaused.unref();
      });
    }
    this.derived.emit();
  }

  private migrate(target: PgTarget): void {
    this.targets.migrate(this.dataSource, target).then(
      () => this.derive(),
      (error: unknown) => {
        this.logger.error(`migrations on ${target.name} failed: ${secretRedactor.scrub((error as Error).message)}`);
        if (isTargetFailure(error)) target.markDown(error);
      },
    );
  }

  private transaction<P, R>(handler: CommandHandler<P, R>, payload: P): Promise<R> {
    if (handler.transactional === false) return handler.apply(this.dataSource.manager, payload);
    return this.dataSource.transaction((manager: EntityManager) => handler.apply(manager, payload));
  }

  private handlerFor<P, R>(type: string): CommandHandler<P, R> {
    const handler = this.handlers.get(type);
    if (!handler)
      throw new Error(
        `command "${type}" is not declared by any module of this app: add it to DatabaseModule.forFeature({ commands })`,
      );
    return handler as CommandHandler<P, R>;
  }

  private shuffledReplicas(): PgTarget[] {
    const replicas = this.targets.readableReplicas();
    if (replicas.length < 2) return replicas;
    const start = Math.floor(Math.random() * replicas.length);
    return [...replicas.slice(start), ...replicas.slice(0, start)];
  }
}
