import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { databaseConfig } from '../database.config.js';
import { CommandApplier } from '../commands/command-applier.js';
import { CommandBus } from '../commands/command-bus.js';
import { DatabaseMetrics } from '../database.metrics.js';
import { Journal } from '../journal/journal.js';
import { type ReplayOutcome, Replayer } from '../journal/replayer.js';
import type { PgTarget } from '../postgres/pg-target.js';
import { PostgresTargets } from '../postgres/postgres-targets.js';

/** Runs `work` after `ms`; answers how to cancel it. The clock a test replaces. */
export type Schedule = (work: () => void, ms: number) => () => void;
/** Replaces the timers of the replay's pause (a test's clock). */
export const REPLAY_SCHEDULE = Symbol('REPLAY_SCHEDULE');
const timers: Schedule = (work, ms) => {
  const timer = setTimeout(work, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * When the journal is replayed: this instance's own journal whenever a writer is back (one run at
 * a time; after a run held by something other than a lost writer, again a probe interval later,
 * never in a hot loop), another instance's file on an operator's demand (`drainFile`), and one
 * dead letter again (`redrive`).
 */
@Injectable()
export class ReplayScheduler {
  private readonly replayer: Replayer;
  private cancelPause?: () => void;

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: PostgresTargets,
    journal: Journal,
    private readonly commands: CommandApplier,
    private readonly bus: CommandBus,
    private readonly metrics: DatabaseMetrics,
    @Optional() @Inject(REPLAY_SCHEDULE) private readonly schedule: Schedule = timers,
  ) {
    this.replayer = this.replayerFor(journal);
  }

  /** Starts replaying into `writer` unless a run is going or paused; `settled` is told when the journal is drained. */
  kick(writer: PgTarget, settled: () => void): void {
    if (this.replayer.isRunning || this.cancelPause) return;
    void this.replayer.run(writer).then((outcome) => {
      if (outcome.result === 'done') return settled();
      // Interrupted by something other than a lost writer (which a probe will report): try again
      // after a probe interval, not in a hot loop.
      this.cancelPause = this.schedule(() => {
        this.cancelPause = undefined;
        settled();
      }, this.config.probeIntervalMs);
    });
  }

  stop(): void {
    this.cancelPause?.();
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
    const writer = this.targets.requireWriter('replay');
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
    const writer = this.targets.requireWriter('redrive');
    const journal = new Journal(path, { existing: true });
    try {
      const dead = journal.deadLetter(seq);
      if (!dead || dead.discarded) throw new Error(`no dead letter ${seq} to redrive${dead ? ' (discarded)' : ''}`);
      const earlier = journal
        .deadLetters(Number.MAX_SAFE_INTEGER)
        .find((d) => d.entityId === dead.entityId && d.seq < seq);
      if (earlier) throw new Error(`dead letter ${earlier.seq} of the same entity comes first: redrive or discard it`);
      const handler = this.commands.handlerFor(dead.type);
      await this.targets.on(writer, () => this.bus.transaction(handler, dead, dead.payload));
      journal.removeDeadLetter(seq);
      return { type: dead.type, key: dead.key };
    } finally {
      journal.close();
    }
  }

  /** A journaled command no module declares a handler for is a boot error, never a dead letter. */
  assertHandlersFor(journal: Journal, path: string): void {
    const missing = journal.pendingTypes().filter((type) => !this.commands.handlers.has(type));
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
      this.commands,
      counters,
      this.config.replayMaxAttempts,
    );
  }
}
