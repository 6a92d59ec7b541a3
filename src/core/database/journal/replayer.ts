import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { secretRedactor } from '../../common/index.js';
import { isCommandRejection, isContention, isTargetFailure } from '../database.errors.js';
import { PoolBusyError } from '../postgres/pool-busy.js';
import type { JournalEntry } from '../database.types.js';
import type { CommandApplier } from '../commands/command-applier.js';
import type { PgTarget } from '../postgres/pg-target.js';
import type { TargetRouter } from '../typeorm/target-router.js';
import type { DeadLetter, FailedAttempt, Journal } from './journal.js';
import { replayBatchSpan, replayedSpan } from '../database.spans.js';

export interface ReplayOutcome {
  replayed: number;
  deadLettered: number;
  /** Entries left for a later run: failed attempts below the bound, and the later entries of their entities. */
  held: number;
  /**
   * `done`: the journal is empty; `interrupted`: the writer failed, the rest waits for the next
   * writer; `held`: some entries failed and wait for another attempt (the rest was replayed).
   */
  result: 'done' | 'interrupted' | 'held';
}

export interface ReplayCounters {
  /** After each batch: what it applied, dead-lettered, and the attempts that failed. */
  batch(replayed: number, deadLettered: number, failed: number): void;
}

const BATCH = 200;
const CONTENTION_RETRIES = 5;
const REASON_MAX = 500;

const describe = (error: unknown): string =>
  secretRedactor.scrub(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, REASON_MAX);

/** What one run knows of the entities whose entries cannot be applied now. */
class RunState {
  /** Entities with an entry that failed this run: their later entries wait behind it. */
  readonly held = new Set<string>();
  /** Entities whose entry was dead-lettered: their later entries follow it (entity -> its seq). */
  readonly dead = new Map<string, number>();
  heldEntries = 0;
}

interface BatchResult {
  replayed: number[];
  rejected: DeadLetter[];
  failed: FailedAttempt[];
}

/**
 * Drains the journal into the writer, a batch per TypeORM transaction with a savepoint per entry
 * (a nested startTransaction): an entry that fails is rolled back alone, without undoing its
 * neighbours. What the writer says decides what happens to it:
 * - an outage or a lost connection interrupts the run (the rest waits for the next writer);
 * - a refusal (JournalRejection, a constraint) is dead-lettered at once;
 * - anything else (a data error, a handler's bug) is tried again on a later run, at most
 *   `maxAttempts` times in all, then dead-lettered with its error.
 * The replay goes on with the other entities meanwhile; a later entry of the same entity never
 * applies before an earlier one: it waits behind a failed entry, and follows a dead-lettered one
 * to the dead letters.
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
    private readonly commands: CommandApplier,
    private readonly counters: ReplayCounters,
    private readonly maxAttempts: number,
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
    const state = new RunState();
    let after = 0;
    this.logger.log(`replaying ${this.journal.backlog()} journaled command(s) into ${writer.name}`);
    for (;;) {
      const batch = this.journal.peek(BATCH, after);
      if (batch.length === 0) {
        if (!this.journal.hasPending) break;
        // Appends still waiting for their group commit: let it happen, then drain them too.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      try {
        const { replayed, rejected, failed } = await this.applyWithRetries(writer, batch, state);
        this.settle(replayed, rejected, failed, state);
        after = batch[batch.length - 1].seq;
        total.replayed += replayed.length;
        total.deadLettered += rejected.length;
      } catch (error) {
        if (isTargetFailure(error)) writer.markDown(error);
        this.logger.warn(
          `replay interrupted after ${total.replayed} command(s): ${secretRedactor.scrub(String((error as Error).message))}`,
        );
        return { ...total, held: state.heldEntries, result: 'interrupted' };
      }
    }
    const held = state.heldEntries;
    this.logger.log(
      `journal replayed: ${total.replayed} applied, ${total.deadLettered} dead-lettered${held ? `, ${held} held for another attempt` : ''}`,
    );
    return { ...total, held, result: held > 0 ? 'held' : 'done' };
  }

  private settle(replayed: number[], rejected: DeadLetter[], failed: FailedAttempt[], state: RunState): void {
    // A dead letter takes the later entries of its entity with it, those of later batches included.
    const followers: DeadLetter[] = [];
    const inBatch = new Set([...replayed, ...rejected.map((r) => r.entry.seq), ...failed.map((f) => f.seq)]);
    for (const { entry } of rejected) {
      if (state.dead.get(entry.entityId) !== entry.seq) continue;
      for (const later of this.journal.entityEntriesAfter(entry.entityId, entry.seq))
        if (!inBatch.has(later.seq))
          followers.push({ entry: later, reason: `follows dead letter ${entry.seq} of the same entity` });
    }
    const dead = [...rejected, ...followers];
    this.journal.settle(replayed, dead, failed);
    this.counters.batch(replayed.length, dead.length, failed.length);
    for (const r of dead)
      this.logger.error(`journal entry ${r.entry.seq} (${r.entry.type} ${r.entry.key}) dead-lettered: ${r.reason}`);
    for (const f of failed)
      this.logger.warn(`journal entry ${f.seq} failed on replay, kept for another attempt: ${f.error}`);
  }

  private async applyWithRetries(writer: PgTarget, batch: JournalEntry[], state: RunState): Promise<BatchResult> {
    const ordered = [...batch].sort((a, b) =>
      a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : a.seq - b.seq,
    );
    for (let attempt = 1; ; attempt++) {
      // A batch that runs again starts from what the run knew before it.
      const before = { held: new Set(state.held), dead: new Map(state.dead), heldEntries: state.heldEntries };
      try {
        return await replayBatchSpan(writer.name, ordered, () => this.applyBatch(writer, ordered, state));
      } catch (error) {
        state.held.clear();
        before.held.forEach((e) => state.held.add(e));
        state.dead.clear();
        before.dead.forEach((seq, e) => state.dead.set(e, seq));
        state.heldEntries = before.heldEntries;
        if (!isContention(error) || attempt >= CONTENTION_RETRIES) throw error;
        this.logger.warn(`replay batch lost a race on ${writer.name} (${(error as Error).message}); running it again`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
      }
    }
  }

  private applyBatch(writer: PgTarget, batch: JournalEntry[], state: RunState): Promise<BatchResult> {
    return this.router.on(writer, async () => {
      const runner = this.dataSource.createQueryRunner('master');
      const result: BatchResult = { replayed: [], rejected: [], failed: [] };
      try {
        await runner.startTransaction();
        for (const entry of batch) await this.applyEntry(runner, entry, state, result);
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
      return result;
    });
  }

  private async applyEntry(runner: QueryRunner, entry: JournalEntry, state: RunState, result: BatchResult) {
    const handler = this.commands.handlers.get(entry.type);
    const deadSeq = state.dead.get(entry.entityId);
    if (deadSeq !== undefined) {
      const reason = `follows dead letter ${deadSeq} of the same entity`;
      if (handler) await this.commands.rejected(runner.manager, handler, entry, entry.payload, reason);
      result.rejected.push({ entry, reason });
      return;
    }
    // Boot refuses a journal with a type no module declares; one that appears later waits, never dead-lettered.
    if (!handler || state.held.has(entry.entityId)) {
      if (!handler) this.logger.error(`journal entry ${entry.seq}: no handler for command type "${entry.type}"`);
      state.held.add(entry.entityId);
      state.heldEntries += 1;
      return;
    }
    await runner.startTransaction();
    try {
      await replayedSpan(entry, () => this.commands.apply(runner.manager, handler, entry, entry.payload));
      await runner.commitTransaction();
      result.replayed.push(entry.seq);
    } catch (error) {
      // The writer's failure (or a lost race) ends the batch: the entry is not at fault.
      if (isTargetFailure(error) || isContention(error) || error instanceof PoolBusyError) throw error;
      await runner.rollbackTransaction();
      const reason = describe(error);
      if (isCommandRejection(error) || entry.attempts + 1 >= this.maxAttempts) {
        const why = isCommandRejection(error) ? reason : `${reason} (after ${entry.attempts + 1} attempts)`;
        // In the batch's transaction: consumers learn of the refusal once the batch commits.
        await this.commands.rejected(runner.manager, handler, entry, entry.payload, why);
        result.rejected.push({ entry: { ...entry, attempts: entry.attempts + 1 }, reason: why });
        state.dead.set(entry.entityId, entry.seq);
      } else {
        result.failed.push({ seq: entry.seq, error: reason });
        state.held.add(entry.entityId);
        state.heldEntries += 1;
      }
    }
  }
}
