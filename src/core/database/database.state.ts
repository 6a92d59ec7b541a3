import type { DatabaseStatus } from './database.types.js';
import type { FailoverMode } from './failover-mode.js';
import type { Journal } from './journal/journal.js';
import type { PostgresTargets } from './postgres/postgres-targets.js';

/** A read-only snapshot of the database layer, from what the targets, the journal and the mode know. */
export class DatabaseState {
  constructor(
    private readonly mode: FailoverMode,
    private readonly targets: PostgresTargets,
    private readonly journal: Journal,
  ) {}

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
}
