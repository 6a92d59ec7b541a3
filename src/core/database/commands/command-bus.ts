import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode, IntervalLog, REFUSAL_LOG_INTERVAL_MS, secretRedactor } from '../../common/index.js';
import { isCommandRejection, isTargetFailure } from '../database.errors.js';
import { DatabaseMetrics } from '../database.metrics.js';
import type { AppliedCommand, CommandHandler, WriteCommand, WriteOptions, WriteResult } from '../database.types.js';
import { FailoverMode } from '../failover-mode.js';
import { Journal } from '../journal/journal.js';
import { PoolBusyError } from '../postgres/pool-busy.js';
import { PostgresTargets } from '../postgres/postgres-targets.js';
import { shuffledReplicas } from '../postgres/replica-rotation.js';
import { findUnstorableText } from '../storable-text.validator.js';
import { SerialQueue } from '../typeorm/serial-queue.js';
import { CommandApplier } from './command-applier.js';
import { commandSpan, pgSpan } from '../database.spans.js';
import { spans } from '../../tracing/index.js';

/**
 * Dispatches a command: applied on the writer in a transaction (on SQLite, in turn), or journaled
 * when no writer can take it, with the handler's answer for either; and the other writes that
 * must reach the writer or be refused (`writeTransaction`).
 */
@Injectable()
export class CommandBus {
  private readonly logger = new Logger('Database');
  // SQLite runs one connection for the whole process: TypeORM would nest concurrent transactions.
  private readonly embeddedWrites = new SerialQueue();
  // A full journal volume fails every write until it has room: one line per interval, with a count.
  private readonly appendFailures = new IntervalLog((line) => this.logger.error(line), REFUSAL_LOG_INTERVAL_MS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: PostgresTargets,
    private readonly journal: Journal,
    private readonly mode: FailoverMode,
    private readonly metrics: DatabaseMetrics,
    private readonly commands: CommandApplier,
  ) {}

  async write<P, R>(command: CommandHandler<P, R>, payload: P, options: WriteOptions): Promise<WriteResult<R>> {
    const handler = this.commands.handlerFor<P, R>(command.type);
    if (handler !== command)
      throw new Error(`command "${command.type}" is not the one declared with DatabaseModule.forFeature({ commands })`);
    if (!spans.on) return this.run(handler, { type: command.type, payload, ...options });
    return commandSpan(command.type, options.entityId, this.mode.current, (traceparent) =>
      this.run(handler, { type: command.type, payload, ...options, traceparent }),
    );
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
        result: await this.embeddedWrites.run(() => this.transaction(handler, command, command.payload)),
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
          pgSpan(writer.name, 'write', () =>
            this.targets.on(writer, () => this.transaction(handler, command, command.payload)),
          ),
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
    for (const replica of shuffledReplicas(this.targets)) {
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

  /**
   * Runs `work` in a transaction on the writer (on SQLite, in turn with the other writes), or
   * refuses it (503) when no Postgres takes writes: for work that must not be journaled, such as
   * the events relay and a consumer's inbox.
   */
  async writeTransaction<R>(work: (manager: EntityManager) => Promise<R>): Promise<R> {
    if (this.mode.current === 'embedded') return this.embeddedWrites.run(() => this.dataSource.transaction(work));
    const writer = this.targets.requireWriter('write');
    try {
      return await this.targets.on(writer, () => this.dataSource.transaction(work));
    } catch (error) {
      if (isTargetFailure(error)) {
        writer.markDown(error);
        this.targets.refresh();
      }
      throw error;
    }
  }

  /** Applies `command` through `handler` on the current route (the caller picks the target). */
  transaction<P, R>(handler: CommandHandler<P, R>, command: AppliedCommand, payload: P): Promise<R> {
    // A handler's single statement needs no BEGIN/COMMIT: on Postgres its events go in that
    // statement (insertIfAbsent); SQLite writes them beside it, in a transaction.
    if (handler.transactional === false && (this.targets.configured || !this.commands.recordsEvents))
      return this.commands.apply(this.dataSource.manager, handler, command, payload);
    return this.dataSource.transaction((manager: EntityManager) =>
      this.commands.apply(manager, handler, command, payload),
    );
  }
}
