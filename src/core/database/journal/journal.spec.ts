import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
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

  it('keeps journal entries in order across a reopen, with the backlog counted', async () => {
    const path = join(dir, 'order.sqlite');
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

  it('finds the latest journaled command of an entity', async () => {
    const journal = new Journal(join(dir, 'find.sqlite'));
    await appendAll(journal, ['x']);
    assert.equal(journal.findByEntity('t', 'x')?.key, 'x');
    assert.equal(journal.findByEntity('t', 'y'), undefined);
    journal.close();
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
  });
});
