import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, SqliteDatabase } from '../database.types.js';

const CORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  key TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  accepted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_entity ON journal (type, entity_id);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  key TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  accepted_at TEXT NOT NULL,
  reason TEXT NOT NULL,
  failed_at TEXT NOT NULL
);`;

interface JournalRow {
  seq: number;
  type: string;
  key: string;
  entity_id: string;
  payload: string;
  accepted_at: string;
}

const toEntry = (row: JournalRow): JournalEntry => ({
  seq: row.seq,
  type: row.type,
  key: row.key,
  entityId: row.entity_id,
  payload: JSON.parse(row.payload) as unknown,
  acceptedAt: row.accepted_at,
});

export interface DeadLetter {
  entry: JournalEntry;
  reason: string;
}

/**
 * The local SQLite file: the database itself with no Postgres, the journal and the dead letters with one.
 * WAL with synchronous=FULL: a committed transaction is fsync'd before better-sqlite3 returns.
 */
export class SqliteStore {
  readonly db: SqliteDatabase;
  private readonly insertJournal;
  private readonly countJournal;
  private readonly peekJournal;
  private readonly deleteJournal;
  private readonly insertDeadLetter;
  private readonly byEntity;
  // Kept in memory: counting the journal table on every write would make a long outage O(n^2).
  private journalSize: number;
  private deadLetterSize: number;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(CORE_SCHEMA);
    this.insertJournal = this.db.prepare('INSERT INTO journal (type, key, entity_id, payload, accepted_at) VALUES (?, ?, ?, ?, ?)');
    this.countJournal = this.db.prepare('SELECT count(*) AS n FROM journal');
    this.peekJournal = this.db.prepare('SELECT * FROM journal ORDER BY seq LIMIT ?');
    this.deleteJournal = this.db.prepare('DELETE FROM journal WHERE seq = ?');
    this.insertDeadLetter = this.db.prepare(
      'INSERT OR REPLACE INTO dead_letters (seq, type, key, entity_id, payload, accepted_at, reason, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.byEntity = this.db.prepare('SELECT * FROM journal WHERE type = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1');
    this.journalSize = (this.countJournal.get() as { n: number }).n;
    this.deadLetterSize = (this.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  /** Appends entries in one transaction (one fsync for the group); returns their sequence numbers. */
  append(entries: ReadonlyArray<Omit<JournalEntry, 'seq'>>): number[] {
    const seqs = this.db.transaction(() =>
      entries.map((e) => Number(this.insertJournal.run(e.type, e.key, e.entityId, JSON.stringify(e.payload), e.acceptedAt).lastInsertRowid)),
    )();
    this.journalSize += seqs.length;
    return seqs;
  }

  backlog(): number {
    return this.journalSize;
  }

  peek(limit: number): JournalEntry[] {
    return (this.peekJournal.all(limit) as JournalRow[]).map(toEntry);
  }

  /** Removes replayed entries and records rejected ones, in one transaction. */
  settle(replayed: readonly number[], rejected: readonly DeadLetter[]): void {
    const failedAt = new Date().toISOString();
    let removed = 0;
    let deadLettered = 0;
    this.db.transaction(() => {
      for (const seq of replayed) removed += this.deleteJournal.run(seq).changes;
      for (const { entry, reason } of rejected) {
        this.insertDeadLetter.run(entry.seq, entry.type, entry.key, entry.entityId, JSON.stringify(entry.payload), entry.acceptedAt, reason, failedAt);
        const changes = this.deleteJournal.run(entry.seq).changes;
        removed += changes;
        deadLettered += changes;
      }
    })();
    this.journalSize -= removed;
    this.deadLetterSize += deadLettered;
  }

  findByEntity(type: string, entityId: string): JournalEntry | undefined {
    const row = this.byEntity.get(type, entityId) as JournalRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  deadLetters(limit = 50): Array<JournalEntry & { reason: string; failedAt: string }> {
    const rows = this.db.prepare('SELECT * FROM dead_letters ORDER BY seq DESC LIMIT ?').all(limit) as Array<JournalRow & { reason: string; failed_at: string }>;
    return rows.map((r) => ({ ...toEntry(r), reason: r.reason, failedAt: r.failed_at }));
  }

  // Counted in memory like the backlog: health asks for it on every report.
  deadLetterCount(): number {
    return this.deadLetterSize;
  }

  /**
   * The file is open, answers and is not read-only (for health). It takes no lock: a health check
   * must not wait on one. A full disk shows only when a write fails, and the append path answers 503 then.
   */
  writable(): boolean {
    this.db.prepare('SELECT 1').get();
    return !this.db.readonly;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
