import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Column, DataSource, type EntityManager, Entity, PrimaryColumn } from 'typeorm';
import { JournalRejection } from '../database.errors.js';
import type { DatabaseMetrics } from '../database.metrics.js';
import { type AppliedCommand, CommandEventSink, type EventDraft, type Statement } from '../database.types.js';
import { FailoverMode } from '../failover-mode.js';
import { Journal } from '../journal/journal.js';
import type { PostgresTargets } from '../postgres/postgres-targets.js';
import { insertIfAbsent } from '../typeorm/insert-if-absent.js';
import { CommandApplier } from './command-applier.js';
import { CommandBus } from './command-bus.js';
import { defineCommand } from './declared-commands.js';

// A template for the command seam's spec: real SQLite (the embedded store and the journal), the
// Postgres side as the smallest stand-in that says "no writer", and a sink that keeps what it is given.
@Entity({ name: 'notes' })
class Note {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 200 }) text: string;
}

const addNote = defineCommand<Note, { note: Note; created: boolean; journaled?: true }>({
  type: 'note.add',
  transactional: false,
  async apply(manager: EntityManager, n, events) {
    const created = await insertIfAbsent(
      manager,
      Note,
      n,
      events.onInsert({ stream: `note:${n.id}`, type: 'note.added', data: { ...n } }),
    );
    if (created) return { note: n, created };
    const stored = await manager.findOneByOrFail(Note, { id: n.id });
    if (stored.text !== n.text) throw new JournalRejection(`note ${n.id} exists with other text`);
    return { note: stored, created };
  },
  journaled: (n) => ({ note: n, created: true, journaled: true }),
  repeated(earlier, n) {
    if (earlier.text !== n.text) throw new JournalRejection(`note ${n.id} is journaled with other text`);
    return { note: earlier, created: false, journaled: true };
  },
});

class KeptEvents extends CommandEventSink {
  readonly kept: Array<{ command: AppliedCommand; events: readonly EventDraft[]; inTransaction: boolean }> = [];
  async record(manager: EntityManager, command: AppliedCommand, events: readonly EventDraft[]) {
    this.kept.push({ command, events, inTransaction: manager.queryRunner?.isTransactionActive === true });
  }
  fuse(): Statement | undefined {
    return undefined; // SQLite: written beside the insert, in its transaction
  }
}

const metrics = { time: (_t: string, _k: string, op: () => Promise<unknown>) => op() } as unknown as DatabaseMetrics;
const noWriter = {
  configured: true,
  writer: undefined,
  readableReplicas: () => [],
  refresh: () => undefined,
} as unknown as PostgresTargets;
const embedded = { configured: false } as unknown as PostgresTargets;
const key = (n: Note) => ({ key: n.id, entityId: n.id });

describe('CommandBus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-bus-'));
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [Note],
    synchronize: true,
  });
  const sink = new KeptEvents();
  let journal: Journal;

  const applier = (withSink = false) => {
    const a = new CommandApplier();
    a.handlers.set(addNote.type, addNote);
    if (withSink) Object.assign(a, { sink });
    return a;
  };

  before(async () => {
    await dataSource.initialize();
    journal = new Journal(join(dir, 'journal.sqlite'));
  });
  after(async () => {
    journal.close();
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embedded: applies on SQLite, and a handler without a transaction gets one when it emits', async () => {
    const bus = new CommandBus(dataSource, embedded, journal, new FailoverMode('embedded'), metrics, applier(true));
    const n = { id: 'n-1', text: 'hello' };
    assert.deepEqual(await bus.write(addNote, n, key(n)), { result: { note: n, created: true }, journaled: false });
    const again = await bus.write(addNote, n, key(n));
    assert.deepEqual({ ...again.result.note }, n);
    assert.equal(again.result.created, false);
    assert.equal(sink.kept.length, 1, 'the repeat inserted nothing and emitted nothing');
    assert.deepEqual(sink.kept[0].command, { type: 'note.add', payload: n, key: 'n-1', entityId: 'n-1' });
    assert.equal(sink.kept[0].inTransaction, true);
    await assert.rejects(bus.write(addNote, { ...n, text: 'other' }, key(n)), JournalRejection);
  });

  it('no writer: journals, answers a repeat from the journal, and refuses a conflicting one at once', async () => {
    const bus = new CommandBus(dataSource, noWriter, journal, new FailoverMode('fallback'), metrics, applier());
    const n = { id: 'n-2', text: 'later' };
    assert.deepEqual(await bus.write(addNote, n, key(n)), {
      result: { note: n, created: true, journaled: true },
      journaled: true,
    });
    assert.equal(journal.backlog(), 1);
    assert.equal((await bus.write(addNote, n, key(n))).result.created, false);
    await assert.rejects(bus.write(addNote, { ...n, text: 'other' }, key(n)), JournalRejection);
    assert.equal(journal.backlog(), 1, 'nothing more journaled');
  });

  it('refuses what Postgres could not store, and a handler no module declared', async () => {
    const bus = new CommandBus(dataSource, noWriter, journal, new FailoverMode('fallback'), metrics, applier());
    await assert.rejects(
      bus.write(addNote, { id: 'n-3', text: 'a\u0000b' }, { key: 'n-3', entityId: 'n-3' }),
      /U\+0000/,
    );
    const stranger = defineCommand<Note, object>({
      type: 'note.add',
      apply: () => Promise.resolve({}),
      journaled: () => ({}),
    });
    await assert.rejects(
      bus.write(stranger, { id: 'n-4', text: 'x' }, key({ id: 'n-4', text: 'x' })),
      /not the one declared/,
    );
  });

  it('writeTransaction: refused (503) with no writer, run in turn on SQLite', async () => {
    const none = new CommandBus(
      dataSource,
      {
        ...noWriter,
        requireWriter: () => {
          throw Object.assign(new Error('no Postgres writer to write into'), { status: 503 });
        },
      } as unknown as PostgresTargets,
      journal,
      new FailoverMode('fallback'),
      metrics,
      applier(),
    );
    await assert.rejects(
      none.writeTransaction(() => Promise.resolve(1)),
      /no Postgres writer/,
    );
    const bus = new CommandBus(dataSource, embedded, journal, new FailoverMode('embedded'), metrics, applier());
    assert.equal(await bus.writeTransaction((m) => m.count(Note)), 1);
  });
});
