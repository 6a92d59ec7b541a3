import type { JournalEntry, WriteCommand } from '../database.types.js';
import type { SqliteStore } from '../sqlite/sqlite-store.js';

interface Pending {
  entry: Omit<JournalEntry, 'seq'>;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The durable write-ahead journal for commands Postgres could not take. Appends made in the same
 * turn of the event loop share one transaction, so one fsync acknowledges them all (group commit);
 * each caller's promise resolves only after that commit.
 */
export class Journal {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly store: SqliteStore) {}

  append(command: WriteCommand): Promise<number> {
    return new Promise((resolve, reject) => {
      const entry = { type: command.type, key: command.key, entityId: command.entityId, payload: command.payload, acceptedAt: new Date().toISOString() };
      this.pending.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Entries persisted plus those waiting for their group commit. */
  backlog(): number {
    return this.store.backlog() + this.pending.length;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  peek(limit: number): JournalEntry[] {
    return this.store.peek(limit);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      const seqs = this.store.append(batch.map((p) => p.entry));
      batch.forEach((p, i) => p.resolve(seqs[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
