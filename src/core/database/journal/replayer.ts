import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { secretRedactor } from '../../common/index.js';
import { isCommandRejection, isContention, isTargetFailure } from '../database.errors.js';
import type { CommandHandler, JournalEntry } from '../database.types.js';
import type { PgTarget } from '../postgres/pg-target.js';
import type { TargetRouter } from '../typeorm/target-router.js';
import type { DeadLetter, Journal } from './journal.js';

export interface ReplayOutcome {
  replayed: number;
  deadLettered: number;
  /** `done`: the journal is empty; `interrupted`: the writer failed, the rest waits for the next writer. */
  result: 'done' | 'interrupted';
}

const BATCH = 200;
const CONTENTION_RETRIES = 5;

/**
 * Drains the journal into the writer, a batch per TypeORM transaction with a savepoint per entry
 * (a nested startTransaction): a command Postgres refuses goes to the dead letters without undoing
 * its neighbours.
 * Entries leave the journal only after the Postgres commit; a crash in between replays them again,
 * which the handlers' idempotency (unique key, insertIfAbsent) turns into a no-op. Exactly once.
 *
 * Journals of many instances replay into one writer at once, and may hold the same command key
 * (a client that retried through the load balancer). Within a batch, entries are applied in
 * entity order (journal order for each entity), so concurrent batches take row locks in one
 * global order and do not deadlock; a deadlock or serialization failure that happens anyway
 * re-runs the batch, since it is not the writer's fault.
 */
export class Replayer {
  private running?: Promise<ReplayOutcome>;
  private readonly logger = new Logger('Journal');

  constructor(
    private readonly dataSource: DataSource,
    private readonly router: TargetRouter,
    private readonly journal: Journal,
    private readonly handlers: ReadonlyMap<string, CommandHandler>,
    private readonly onBatch: (replayed: number, deadLettered: number) => void,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Single flight: a second call while one runs gets the same outcome. */
  run(writer: PgTarget): Promise<ReplayOutcome> {
    this.running ??= this.drain(writer).finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(writer: PgTarget): Promise<ReplayOutcome> {
    const total = { replayed: 0, deadLettered: 0 };
    this.logger.log(`replaying ${this.journal.backlog()} journaled command(s) into ${writer.name}`);
    for (;;) {
      const batch = this.journal.peek(BATCH);
      if (batch.length === 0) {
        if (!this.journal.hasPending) break;
        // Appends still waiting for their group commit: let it happen, then drain them too.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      try {
        const { replayed, rejected } = await this.applyWithRetries(writer, batch);
        this.journal.settle(replayed, rejected);
        total.replayed += replayed.length;
        total.deadLettered += rejected.length;
        this.onBatch(replayed.length, rejected.length);
        for (const r of rejected)
          this.logger.error(`journal entry ${r.entry.seq} (${r.entry.type} ${r.entry.key}) dead-lettered: ${r.reason}`);
      } catch (error) {
        if (isTargetFailure(error)) writer.markDown(error);
        this.logger.warn(
          `replay interrupted after ${total.replayed} command(s): ${secretRedactor.scrub(String((error as Error).message))}`,
        );
        return { ...total, result: 'interrupted' };
      }
    }
    this.logger.log(`journal replayed: ${total.replayed} applied, ${total.deadLettered} dead-lettered`);
    return { ...total, result: 'done' };
  }

  private async applyWithRetries(
    writer: PgTarget,
    batch: JournalEntry[],
  ): Promise<{ replayed: number[]; rejected: DeadLetter[] }> {
    const ordered = [...batch].sort((a, b) =>
      a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : a.seq - b.seq,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyBatch(writer, ordered);
      } catch (error) {
        if (!isContention(error) || attempt >= CONTENTION_RETRIES) throw error;
        this.logger.warn(`replay batch lost a race on ${writer.name} (${(error as Error).message}); running it again`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
      }
    }
  }

  private applyBatch(writer: PgTarget, batch: JournalEntry[]): Promise<{ replayed: number[]; rejected: DeadLetter[] }> {
    return this.router.on(writer, async () => {
      const runner = this.dataSource.createQueryRunner('master');
      const replayed: number[] = [];
      const rejected: DeadLetter[] = [];
      try {
        await runner.startTransaction();
        for (const entry of batch) {
          const handler = this.handlers.get(entry.type);
          if (!handler) {
            rejected.push({ entry, reason: `no handler for command type "${entry.type}"` });
            continue;
          }
          await runner.startTransaction();
          try {
            await handler.apply(runner.manager, entry.payload);
            await runner.commitTransaction();
            replayed.push(entry.seq);
          } catch (error) {
            if (!isCommandRejection(error)) throw error;
            await runner.rollbackTransaction();
            rejected.push({ entry, reason: secretRedactor.scrub((error as Error).message).slice(0, 500) });
          }
        }
        await runner.commitTransaction();
      } catch (error) {
        // Unwinds the entry's savepoint, then the batch; a dead connection refuses both, which is as good.
        while (runner.isTransactionActive) {
          if (
            !(await runner.rollbackTransaction().then(
              () => true,
              () => false,
            ))
          )
            break;
        }
        throw error;
      } finally {
        await runner.release();
      }
      return { replayed, rejected };
    });
  }
}
