import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Listeners } from '../../common/index.js';
import type { JournalEntry, WriteCommand } from '../database.types.js';
import type { TimelineMemory } from '../postgres/target-monitor.js';
import { EntityIndex, entityHash } from './entity-index.js';
import { isDiskFull, type JournalDiskOptions, JournalVolume, type JournalVolumeView } from './journal-volume.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  key TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  accepted_at TEXT NOT NULL
);
-- Replaced by the in-memory EntityIndex: its random pages cost every group commit.
DROP INDEX IF EXISTS journal_entity;
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  key TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  accepted_at TEXT NOT NULL,
  reason TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);`;

// Columns added after the first release, added to older files on open.
const UPGRADES: Array<[table: string, column: string, definition: string]> = [
  ['journal', 'attempts', 'INTEGER NOT NULL DEFAULT 0'],
  ['journal', 'last_error', 'TEXT'],
  ['dead_letters', 'attempts', 'INTEGER NOT NULL DEFAULT 0'],
  ['dead_letters', 'discarded_at', 'TEXT'],
  ['dead_letters', 'discarded_by', 'TEXT'],
  ['dead_letters', 'discard_reason', 'TEXT'],
  // The W3C traceparent of the request that journaled the entry (tracing on), for its replay's link.
  ['journal', 'traceparent', 'TEXT'],
];

interface JournalRow {
  seq: number;
  type: string;
  key: string;
  entity_id: string;
  payload: string;
  accepted_at: string;
  attempts: number;
  last_error?: string | null;
  traceparent?: string | null;
}

interface DeadLetterRow extends JournalRow {
  reason: string;
  failed_at: string;
  discarded_at: string | null;
  discarded_by: string | null;
  discard_reason: string | null;
}

const toEntry = (row: JournalRow): JournalEntry => ({
  seq: row.seq,
  type: row.type,
  key: row.key,
  entityId: row.entity_id,
  payload: JSON.parse(row.payload) as unknown,
  acceptedAt: row.accepted_at,
  attempts: row.attempts ?? 0,
  ...(row.last_error && { lastError: row.last_error }),
  ...(row.traceparent && { traceparent: row.traceparent }),
});

const toDeadLetter = (row: DeadLetterRow): StoredDeadLetter => ({
  ...toEntry(row),
  reason: row.reason,
  failedAt: row.failed_at,
  ...(row.discarded_at && {
    discarded: { at: row.discarded_at, by: row.discarded_by ?? '', reason: row.discard_reason ?? '' },
  }),
});

export interface DeadLetter {
  entry: JournalEntry;
  reason: string;
}

/** A replay attempt that failed for a reason that is neither an outage nor a refusal: tried again later. */
export interface FailedAttempt {
  seq: number;
  error: string;
}

/** A dead letter as the file keeps it; `discarded` once an operator decided it is not to be applied. */
export interface StoredDeadLetter extends JournalEntry {
  reason: string;
  failedAt: string;
  discarded?: { at: string; by: string; reason: string };
}

interface Pending {
  entry: Omit<JournalEntry, 'seq'>;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The durable write-ahead journal for commands Postgres could not take, and the dead letters of
 * those it refused on replay: one SQLite file in WAL with synchronous=FULL, so a committed
 * transaction is fsync'd before better-sqlite3 returns. Appends made in the same turn of the
 * event loop share one transaction (group commit); each caller's promise resolves only after it.
 * Listeners hear every change of the backlog: the database derives its mode from them.
 */
export class Journal implements TimelineMemory {
  private readonly db: Database.Database;
  private readonly statements;
  private pending: Pending[] = [];
  // The last pending entry of each (type, entity): an intake check must see what waits for its commit.
  private pendingByEntity = new Map<string, Pending>();
  // Every command type the file has held: an entity's entries of any type are found through them.
  private readonly types = new Set<string>();
  private scheduled = false;
  private deadSize: number;
  private deadCountedAt = 0;
  private readonly listeners = new Listeners();
  private readonly timelines = new Map<string, number>();
  private readonly entities: EntityIndex;
  private readonly volume?: JournalVolume;

  /**
   * Opens (or creates) the journal at `path`. `existing`: open a journal file that must already be
   * one (another instance's, to drain it); a missing file or one without a journal is refused.
   * `disk`: the floor of free space and the reserve kept beside the file (not for an existing
   * file of another instance, nor in memory).
   */
  constructor(
    path: string,
    options: {
      existing?: boolean;
      entityHash?: (type: string, entityId: string) => number;
      disk?: JournalDiskOptions;
    } = {},
  ) {
    if (path !== ':memory:' && !options.existing) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 5000, fileMustExist: options.existing === true });
    if (
      options.existing &&
      !this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'`).get()
    ) {
      this.db.close();
      throw new Error(`${path} is not a journal (no journal table)`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Temporary tables and sorts in memory: the journal's volume is the only writable place in a
    // hardened pod (read-only root filesystem, no /tmp).
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(SCHEMA);
    this.upgrade();
    this.statements = {
      insert: this.db.prepare(
        'INSERT INTO journal (type, key, entity_id, payload, accepted_at, traceparent) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      peek: this.db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
      failed: this.db.prepare('UPDATE journal SET attempts = attempts + 1, last_error = ? WHERE seq = ?'),
      entityAfter: this.db.prepare('SELECT * FROM journal WHERE entity_id = ? AND seq > ? ORDER BY seq'),
      remove: this.db.prepare('DELETE FROM journal WHERE seq = ? RETURNING type, entity_id'),
      deadLetter: this.db.prepare(
        'INSERT OR REPLACE INTO dead_letters (seq, type, key, entity_id, payload, accepted_at, reason, failed_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      bySeq: this.db.prepare('SELECT * FROM journal WHERE seq = ?'),
      countDead: this.db.prepare('SELECT count(*) AS n FROM dead_letters WHERE discarded_at IS NULL'),
      setMeta: this.db.prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
    };
    const rows = this.db.prepare(`SELECT name, value FROM meta WHERE name LIKE 'timeline:%'`).all() as Array<{
      name: string;
      value: string;
    }>;
    for (const row of rows) this.timelines.set(row.name.slice('timeline:'.length), Number(row.value));
    this.entities = new EntityIndex(options.entityHash ?? entityHash);
    const entries = this.db.prepare('SELECT seq, type, entity_id FROM journal ORDER BY seq').iterate() as Iterable<{
      seq: number;
      type: string;
      entity_id: string;
    }>;
    for (const row of entries) {
      this.entities.added(row.type, row.entity_id, row.seq);
      this.types.add(row.type);
    }
    this.deadSize = this.countDeadLetters();
    if (options.disk && path !== ':memory:' && !options.existing) {
      this.volume = new JournalVolume(path, options.disk);
      // The WAL never holds more than half the reserve between checkpoints, so the reserve given
      // back on a full volume is always room enough for a checkpoint to complete and the WAL to restart.
      const pageSize = Number(this.db.pragma('page_size', { simple: true }));
      const pages = Math.floor(options.disk.reserveBytes / 2 / pageSize);
      if (pages > 0 && pages < 1000) this.db.pragma(`wal_autocheckpoint = ${pages}`);
    }
  }

  private upgrade(): void {
    for (const [table, column, definition] of UPGRADES) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column))
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }

  /**
   * The highest timeline this instance has seen of the Postgres cluster `systemId`, kept across
   * restarts (the writer rule's memory). Per cluster: a cluster rebuilt from scratch starts again at 1.
   */
  highestTimeline(systemId: string): number {
    return this.timelines.get(systemId) ?? 0;
  }

  rememberTimeline(systemId: string, timeline: number): void {
    if (timeline <= this.highestTimeline(systemId)) return;
    this.statements.setMeta.run(`timeline:${systemId}`, String(timeline));
    this.timelines.set(systemId, timeline);
  }

  /** Resolves with the entry's sequence number once it is on disk. */
  append(command: WriteCommand): Promise<number> {
    return new Promise((resolve, reject) => {
      const entry = {
        type: command.type,
        key: command.key,
        entityId: command.entityId,
        payload: command.payload,
        acceptedAt: new Date().toISOString(),
        attempts: 0,
        ...(command.traceparent !== undefined && { traceparent: command.traceparent }),
      };
      const pending = { entry, resolve, reject };
      this.pending.push(pending);
      this.pendingByEntity.set(`${entry.type}\u0000${entry.entityId}`, pending);
      this.types.add(entry.type);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Resolves once the entries waiting for their group commit are on disk (rejects if that commit
   * fails): an answer that relies on a pending entry must not be given before it is durable.
   */
  pendingCommitted(): Promise<void> {
    const last = this.pending.at(-1);
    if (!last) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const { resolve: done, reject: failed } = last;
      last.resolve = (seq) => {
        done(seq);
        resolve();
      };
      last.reject = (error) => {
        failed(error);
        reject(error as Error);
      };
    });
  }

  /** Calls `listener` after every change of the backlog; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Entries persisted plus those waiting for their group commit. */
  backlog(): number {
    // Counted by the entity index: counting the table on every write would make a long outage O(n^2).
    return this.entities.size + this.pending.length;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** The oldest entries after sequence number `after` (0: from the start). */
  peek(limit: number, after = 0): JournalEntry[] {
    return (this.statements.peek.all(after, limit) as JournalRow[]).map(toEntry);
  }

  /** Entries of `entityId` (any type) journaled after `seq`, oldest first. */
  entityEntriesAfter(entityId: string, seq: number): JournalEntry[] {
    return (this.statements.entityAfter.all(entityId, seq) as JournalRow[]).map(toEntry);
  }

  /** The command types of the entries waiting in the journal (to check that a handler exists for each). */
  pendingTypes(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT type FROM journal').all() as Array<{ type: string }>;
    return [...new Set([...rows.map((r) => r.type), ...this.pending.map((p) => p.entry.type)])];
  }

  /**
   * Removes replayed entries, records rejected ones as dead letters and counts failed attempts on
   * the entries that stay, in one transaction.
   */
  settle(replayed: readonly number[], rejected: readonly DeadLetter[], failed: readonly FailedAttempt[] = []): void {
    const failedAt = new Date().toISOString();
    // Forgotten by the entity index only once the transaction has committed.
    const removed: Array<{ seq: number; type: string; entity_id: string }> = [];
    let deadLettered = 0;
    const remove = (seq: number): number => {
      const row = this.statements.remove.get(seq) as { type: string; entity_id: string } | undefined;
      if (row) removed.push({ seq, ...row });
      return row ? 1 : 0;
    };
    const apply = this.db.transaction(() => {
      for (const seq of replayed) remove(seq);
      for (const { entry, reason } of rejected) {
        this.statements.deadLetter.run(
          entry.seq,
          entry.type,
          entry.key,
          entry.entityId,
          JSON.stringify(entry.payload),
          entry.acceptedAt,
          reason,
          failedAt,
          entry.attempts,
        );
        deadLettered += remove(entry.seq);
      }
      for (const { seq, error } of failed) this.statements.failed.run(error, seq);
    });
    try {
      apply();
    } catch (error) {
      // Settling a replay is what frees the volume: on a full one, give back the reserve and try again.
      if (!isDiskFull(error) || !this.volume?.release()) throw error;
      removed.length = 0;
      deadLettered = 0;
      // With the reserve's room, the WAL is checkpointed into the file and starts again from its
      // beginning: the deletes then reuse its space, and free pages in the file for later appends.
      this.db.pragma('wal_checkpoint(RESTART)');
      apply();
    }
    this.volume?.writeSucceeded();
    for (const row of removed) this.entities.removed(row.type, row.entity_id, row.seq);
    this.deadSize += deadLettered;
    this.changed();
  }

  /** True when the journal holds an entry of any type for `entityId` (on disk or pending). */
  holdsEntity(entityId: string): boolean {
    for (const type of this.types) if (this.findByEntity(type, entityId)) return true;
    return false;
  }

  /** The newest entry of the entity, on disk or waiting for its group commit. */
  findByEntity(type: string, entityId: string): JournalEntry | undefined {
    const pending = this.pendingByEntity.get(`${type}\u0000${entityId}`);
    if (pending) return { seq: 0, ...pending.entry };
    for (const seq of this.entities.candidates(type, entityId)) {
      const row = this.statements.bySeq.get(seq) as JournalRow | undefined;
      if (row && row.type === type && row.entity_id === entityId) return toEntry(row);
    }
    return undefined;
  }

  /** Dead letters, newest first; discarded ones only with `includeDiscarded`. */
  deadLetters(limit = 50, includeDiscarded = false): StoredDeadLetter[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM dead_letters ${includeDiscarded ? '' : 'WHERE discarded_at IS NULL '}ORDER BY seq DESC LIMIT ?`,
      )
      .all(limit) as DeadLetterRow[];
    return rows.map(toDeadLetter);
  }

  deadLetter(seq: number): StoredDeadLetter | undefined {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE seq = ?').get(seq) as DeadLetterRow | undefined;
    return row && toDeadLetter(row);
  }

  /** Forgets a dead letter once it has been applied again (redriven). */
  removeDeadLetter(seq: number): boolean {
    const row = this.db.prepare('DELETE FROM dead_letters WHERE seq = ? RETURNING discarded_at').get(seq) as
      { discarded_at: string | null } | undefined;
    if (row && row.discarded_at === null) this.deadSize -= 1;
    return row !== undefined;
  }

  /** Records that an operator decided not to apply a dead letter: who, why, when. Kept, never deleted. */
  discardDeadLetter(seq: number, by: string, reason: string): boolean {
    const changed = this.db
      .prepare(
        'UPDATE dead_letters SET discarded_at = ?, discarded_by = ?, discard_reason = ? WHERE seq = ? AND discarded_at IS NULL',
      )
      .run(new Date().toISOString(), by, reason, seq).changes;
    this.deadSize -= changed;
    return changed === 1;
  }

  // Counted in memory like the backlog (health asks on every report), and recounted at most once a
  // second: an operator's CLI redrives and discards in this file from another process.
  deadLetterCount(): number {
    const now = Date.now();
    if (now - this.deadCountedAt >= 1000) {
      this.deadCountedAt = now;
      this.deadSize = this.countDeadLetters();
    }
    return this.deadSize;
  }

  private countDeadLetters(): number {
    return (this.statements.countDead.get() as { n: number }).n;
  }

  /**
   * The file is open, answers, is not read-only, and its volume has room (for health). It takes no
   * lock: a health check must not wait on one. Throws when the file does not answer.
   */
  writable(): boolean {
    this.db.prepare('SELECT 1').get();
    return !this.db.readonly && !this.volume?.view().full;
  }

  /**
   * The volume's free space and reserve, and why it counts as full (undefined in memory or for
   * another instance's file).
   */
  disk(): JournalVolumeView | undefined {
    return this.volume?.view();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.pendingByEntity = new Map();
    this.scheduled = false;
    try {
      const seqs = this.db.transaction(() =>
        batch.map(({ entry: e }) =>
          Number(
            this.statements.insert.run(
              e.type,
              e.key,
              e.entityId,
              JSON.stringify(e.payload),
              e.acceptedAt,
              e.traceparent ?? null,
            ).lastInsertRowid,
          ),
        ),
      )();
      batch.forEach((p, i) => this.entities.added(p.entry.type, p.entry.entityId, seqs[i]));
      this.volume?.writeSucceeded();
      batch.forEach((p, i) => p.resolve(seqs[i]));
    } catch (error) {
      this.volume?.writeFailed(error);
      for (const p of batch) p.reject(error);
    }
    this.changed();
  }

  private changed(): void {
    this.listeners.emit();
  }
}
