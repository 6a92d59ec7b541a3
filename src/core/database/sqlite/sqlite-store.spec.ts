import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Journal } from '../journal/journal.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'tsc-sqlite-'));
const entry = (key: string) => ({ type: 't', key, entityId: key, payload: { key }, acceptedAt: new Date(0).toISOString() });

describe(SqliteStore.name, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps journal entries in order across a reopen, with the backlog counted', () => {
    const path = join(dir, 'order.sqlite');
    const first = new SqliteStore(path);
    first.append([entry('a'), entry('b')]);
    first.append([entry('c')]);
    first.close();
    const second = new SqliteStore(path);
    assert.equal(second.backlog(), 3);
    assert.equal(second.deadLetterCount(), 0);
    assert.deepEqual(second.peek(10).map((e) => e.key), ['a', 'b', 'c']);
    second.close();
  });

  it('settles replayed entries and moves rejected ones to the dead letters with the reason', () => {
    const path = join(dir, 'settle.sqlite');
    const store = new SqliteStore(path);
    store.append([entry('a'), entry('b'), entry('c')]);
    const [a, b] = store.peek(2);
    store.settle([a.seq], [{ entry: b, reason: 'refused' }]);
    assert.equal(store.backlog(), 1);
    assert.deepEqual(store.peek(10).map((e) => e.key), ['c']);
    assert.deepEqual(store.deadLetters().map((d) => [d.key, d.reason]), [['b', 'refused']]);
    assert.equal(store.deadLetterCount(), 1);
    // Settling again (a replay resumed after a crash) changes nothing.
    store.settle([a.seq], []);
    assert.equal(store.backlog(), 1);
    store.close();
    const reopened = new SqliteStore(path);
    assert.deepEqual([reopened.backlog(), reopened.deadLetterCount()], [1, 1]);
    reopened.close();
  });

  it('finds the latest journaled command of an entity', () => {
    const store = new SqliteStore(join(dir, 'find.sqlite'));
    store.append([entry('x')]);
    assert.equal(store.findByEntity('t', 'x')?.key, 'x');
    assert.equal(store.findByEntity('t', 'y'), undefined);
    store.close();
  });
});

describe(Journal.name, () => {
  it('acknowledges appends of one turn together, after their commit', async () => {
    const store = new SqliteStore(join(dir, 'group.sqlite'));
    const journal = new Journal(store);
    const seqs = await Promise.all(['a', 'b', 'c'].map((k) => journal.append(entry(k))));
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(journal.backlog(), 3);
    store.close();
  });

  it('rejects the appends when the file cannot be written', async () => {
    const store = new SqliteStore(join(dir, 'closed.sqlite'));
    const journal = new Journal(store);
    store.close();
    await assert.rejects(journal.append(entry('a')));
  });
});
