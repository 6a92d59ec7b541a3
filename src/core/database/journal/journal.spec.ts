import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Journal } from './journal.js';

const dir = mkdtempSync(join(tmpdir(), 'tsc-sqlite-'));
const entry = (key: string) => ({ type: 't', key, entityId: key, payload: { key } });
const appendAll = (journal: Journal, keys: string[]) => Promise.all(keys.map((k) => journal.append(entry(k))));

describe(`${Journal.name} file`, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('remembers the highest timeline of each Postgres cluster across a reopen, never lowering it', () => {
    const path = join(dir, 'timelines.sqlite');
    const first = new Journal(path);
    first.rememberTimeline('7000', 3);
    first.rememberTimeline('7000', 2);
    first.rememberTimeline('9000', 1);
    first.close();
    const second = new Journal(path);
    assert.deepEqual(
      [second.highestTimeline('7000'), second.highestTimeline('9000'), second.highestTimeline('1')],
      [3, 1, 0],
    );
    second.close();
  });

  it('opens an existing journal file to drain it, and refuses a missing file or one that is not a journal', () => {
    assert.throws(() => new Journal(join(dir, 'missing.sqlite'), { existing: true }));
    const notJournal = join(dir, 'other.sqlite');
    const db = new Database(notJournal);
    db.exec('CREATE TABLE things (id INTEGER)');
    db.close();
    assert.throws(() => new Journal(notJournal, { existing: true }), /not a journal/);
    const journalFile = join(dir, 'lost-pod.sqlite');
    new Journal(journalFile).close();
    assert.doesNotThrow(() => new Journal(journalFile, { existing: true }).close());
  });

  it('keeps journal entries in sequence across a reopen, with the backlog counted', async () => {
    const path = join(dir, 'sequence.sqlite');
    const first = new Journal(path);
    await appendAll(first, ['a', 'b']);
    await appendAll(first, ['c']);
    first.close();
    const second = new Journal(path);
    assert.equal(second.backlog(), 3);
    assert.equal(second.deadLetterCount(), 0);
    assert.deepEqual(
      second.peek(10).map((e) => e.key),
      ['a', 'b', 'c'],
    );
    second.close();
  });

  it('settles replayed entries and moves rejected ones to the dead letters with the reason', async () => {
    const path = join(dir, 'settle.sqlite');
    const journal = new Journal(path);
    await appendAll(journal, ['a', 'b', 'c']);
    const [a, b] = journal.peek(2);
    journal.settle([a.seq], [{ entry: b, reason: 'refused' }]);
    assert.equal(journal.backlog(), 1);
    assert.deepEqual(
      journal.peek(10).map((e) => e.key),
      ['c'],
    );
    assert.deepEqual(
      journal.deadLetters().map((d) => [d.key, d.reason]),
      [['b', 'refused']],
    );
    assert.equal(journal.deadLetterCount(), 1);
    // Settling again (a replay resumed after a crash) changes nothing.
    journal.settle([a.seq], []);
    assert.equal(journal.backlog(), 1);
    journal.close();
    const reopened = new Journal(path);
    assert.deepEqual([reopened.backlog(), reopened.deadLetterCount()], [1, 1]);
    reopened.close();
  });

  it('counts failed attempts with the last error across a reopen, and peeks past a sequence number', async () => {
    const path = join(dir, 'attempts.sqlite');
    const journal = new Journal(path);
    await appendAll(journal, ['a', 'b']);
    const [a, b] = journal.peek(2);
    journal.settle([], [], [{ seq: a.seq, error: 'TypeError: boom' }]);
    journal.settle([], [], [{ seq: a.seq, error: 'TypeError: boom again' }]);
    assert.deepEqual(
      journal.peek(1, a.seq).map((e) => e.key),
      ['b'],
    );
    journal.close();
    const reopened = new Journal(path);
    const [again] = reopened.peek(1);
    assert.deepEqual([again.attempts, again.lastError], [2, 'TypeError: boom again']);
    assert.equal(reopened.peek(1, b.seq).length, 0);
    reopened.close();
  });

  it("finds an entity's entries of any type, pending ones included, and the later entries of an entity", async () => {
    const journal = new Journal(join(dir, 'entity.sqlite'));
    await journal.append({ type: 'create', key: '1', entityId: 'e', payload: {} });
    const pending = journal.append({ type: 'cancel', key: '2', entityId: 'e', payload: {} });
    assert.equal(journal.holdsEntity('e'), true);
    assert.equal(journal.findByEntity('cancel', 'e')?.key, '2', 'a pending entry is found before its commit');
    await pending;
    assert.equal(journal.holdsEntity('other'), false);
    const [first] = journal.peek(1);
    assert.deepEqual(
      journal.entityEntriesAfter('e', first.seq).map((e) => e.type),
      ['cancel'],
    );
    assert.deepEqual(journal.pendingTypes().sort(), ['cancel', 'create']);
    journal.close();
  });

  it('keeps a discarded dead letter with who and why, out of the count, and forgets a redriven one', async () => {
    const journal = new Journal(join(dir, 'discard.sqlite'));
    await appendAll(journal, ['a', 'b']);
    const [a, b] = journal.peek(2);
    journal.settle(
      [],
      [
        { entry: a, reason: 'refused' },
        { entry: b, reason: 'refused' },
      ],
    );
    assert.equal(journal.deadLetterCount(), 2);
    assert.equal(journal.discardDeadLetter(a.seq, 'jane', 'client confirmed'), true);
    assert.equal(journal.discardDeadLetter(a.seq, 'jane', 'twice'), false, 'discarded once');
    assert.equal(journal.removeDeadLetter(b.seq), true);
    assert.equal(journal.deadLetterCount(), 0);
    assert.deepEqual(journal.deadLetters(), []);
    const [kept] = journal.deadLetters(10, true);
    assert.deepEqual([kept.key, kept.discarded?.by, kept.discarded?.reason], ['a', 'jane', 'client confirmed']);
    journal.close();
  });

  it('finds the latest journaled command of an entity', async () => {
    const journal = new Journal(join(dir, 'find.sqlite'));
    await appendAll(journal, ['x']);
    assert.equal(journal.findByEntity('t', 'x')?.key, 'x');
    assert.equal(journal.findByEntity('t', 'y'), undefined);
    journal.close();
  });

  // Appends, replays, dead letters and reopens in any order, against a model of the live entries.
  // The hashes include ones that collide for every entity, so the shared-hash path is exact too.
  for (const [name, hash] of [
    ['its own hash', undefined],
    ['a hash every entity shares', () => 7],
    ['a two-valued hash', (type: string, id: string) => (type.length + id.charCodeAt(0)) % 2],
  ] as const) {
    it(`finds the latest live entry of every entity through appends, settles and reopens, with ${name}`, async () => {
      const operation = fc.oneof(
        fc.record({
          op: fc.constant('append' as const),
          type: fc.constantFrom('a', 'bb'),
          id: fc.constantFrom('x', 'y', 'z'),
        }),
        fc.record({
          op: fc.constant('settle' as const),
          pick: fc.array(fc.nat(), { maxLength: 3 }),
          dead: fc.boolean(),
        }),
        fc.record({ op: fc.constant('reopen' as const) }),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (operations) => {
          const path = join(dir, `model-${name.length}-${run++}.sqlite`);
          const options = { entityHash: hash };
          let journal = new Journal(path, options);
          const live: Array<{ seq: number; type: string; id: string }> = [];
          try {
            for (const o of operations) {
              if (o.op === 'append') {
                const seq = await journal.append({
                  type: o.type,
                  key: `${o.type}:${o.id}`,
                  entityId: o.id,
                  payload: {},
                });
                live.push({ seq, type: o.type, id: o.id });
              } else if (o.op === 'settle') {
                const chosen = [...new Set(o.pick.filter((i) => i < live.length).map((i) => live[i].seq))];
                const entries = journal.peek(1000).filter((e) => chosen.includes(e.seq));
                if (o.dead)
                  journal.settle(
                    [],
                    entries.map((e) => ({ entry: e, reason: 'refused' })),
                  );
                else journal.settle(chosen, []);
                for (const seq of chosen)
                  live.splice(
                    live.findIndex((l) => l.seq === seq),
                    1,
                  );
              } else {
                journal.close();
                journal = new Journal(path, options);
              }
              for (const type of ['a', 'bb']) {
                for (const id of ['x', 'y', 'z']) {
                  const expected = live.filter((l) => l.type === type && l.id === id).at(-1)?.seq;
                  assert.equal(journal.findByEntity(type, id)?.seq, expected, `${type}/${id}`);
                }
              }
              assert.equal(journal.backlog(), live.length);
            }
          } finally {
            journal.close();
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it("keeps each entry's traceparent across a reopen, and adds the column to a file written before it", async () => {
    const path = join(dir, 'before-traceparent.sqlite');
    // A journal file as the release before tracing wrote it: no traceparent column.
    const old = new Database(path);
    old.exec(`CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, key TEXT NOT NULL,
      entity_id TEXT NOT NULL, payload TEXT NOT NULL, accepted_at TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`);
    old
      .prepare('INSERT INTO journal (type, key, entity_id, payload, accepted_at) VALUES (?, ?, ?, ?, ?)')
      .run('t', 'old', 'old', '{}', new Date().toISOString());
    old.close();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const journal = new Journal(path);
    await journal.append({ ...entry('new'), traceparent });
    await journal.append(entry('untraced'));
    journal.close();
    const reopened = new Journal(path);
    const entries = reopened.peek(10);
    reopened.close();
    assert.deepEqual(
      entries.map((e) => [e.key, e.traceparent]),
      [
        ['old', undefined],
        ['new', traceparent],
        ['untraced', undefined],
      ],
    );
  });

  it('drops the (type, entity_id) index of a journal written before the entity index', async () => {
    const path = join(dir, 'old-index.sqlite');
    const journal = new Journal(path);
    await appendAll(journal, ['x']);
    journal.close();
    const db = new Database(path);
    db.exec('CREATE INDEX journal_entity ON journal (type, entity_id)');
    db.close();
    const reopened = new Journal(path);
    assert.equal(reopened.findByEntity('t', 'x')?.key, 'x');
    reopened.close();
    const check = new Database(path);
    const indexes = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'`).all();
    check.close();
    assert.deepEqual(indexes, []);
  });
});

describe(Journal.name, () => {
  it('acknowledges appends of one turn together, after their commit', async () => {
    const journal = new Journal(join(dir, 'group.sqlite'));
    const seqs = await Promise.all(['a', 'b', 'c'].map((k) => journal.append(entry(k))));
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(journal.backlog(), 3);
    journal.close();
  });

  it('rejects the appends when the file cannot be written', async () => {
    const journal = new Journal(join(dir, 'closed.sqlite'));
    journal.close();
    await assert.rejects(journal.append(entry('a')));
    assert.equal(journal.backlog(), 0, 'nothing counted that was not written');
  });

  it('keeps every entry findable when a settle fails halfway and its transaction rolls back', async () => {
    const journal = new Journal(join(dir, 'settle-fails.sqlite'));
    const [a, b] = await Promise.all([journal.append(entry('a')), journal.append(entry('b'))]);
    const [, second] = journal.peek(2);
    // `a` is removed first in the transaction; the dead letter of `b` then breaks NOT NULL.
    assert.throws(() => journal.settle([a], [{ entry: second, reason: null as unknown as string }]));
    assert.equal(journal.backlog(), 2);
    assert.equal(journal.findByEntity('t', 'a')?.seq, a);
    assert.equal(journal.findByEntity('t', 'b')?.seq, b);
    assert.equal(journal.deadLetterCount(), 0);
    journal.settle([a, b], []);
    assert.equal(journal.backlog(), 0);
    journal.close();
  });
});
