import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.js';

/** A run that is held until released, recording what each run took. */
function heldRuns() {
  const runs: { items: string[]; release(fail?: Error): void }[] = [];
  const run = (items: string[]) =>
    new Promise<PromiseSettledResult<string>[]>((resolve, reject) => {
      runs.push({
        items,
        release: (fail) =>
          fail
            ? reject(fail)
            : resolve(
                items.map((i) =>
                  i.startsWith('bad')
                    ? { status: 'rejected', reason: new Error(i) }
                    : { status: 'fulfilled', value: `ok ${i}` },
                ),
              ),
      });
    });
  return { runs, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('runs an item at once, on its own, while a run slot is free', async () => {
    const { runs, run } = heldRuns();
    const group = new GroupCommit(run, 8, 2);
    const a = group.submit('a', ['a']);
    const b = group.submit('b', ['b']);
    assert.deepEqual(
      runs.map((r) => r.items),
      [['a'], ['b']],
    );
    runs[0].release();
    runs[1].release();
    assert.deepEqual(await Promise.all([a, b]), ['ok a', 'ok b']);
  });

  it('groups what arrives while every slot is out, up to maxItems, oldest first', async () => {
    const { runs, run } = heldRuns();
    const group = new GroupCommit(run, 3, 1);
    const answers = ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => group.submit(i, [i]));
    assert.equal(group.waiting, 5);
    runs[0].release();
    await tick();
    assert.deepEqual(runs[1].items, ['b', 'c', 'd']);
    runs[1].release();
    await tick();
    assert.deepEqual(runs[2].items, ['e', 'f']);
    runs[2].release();
    assert.deepEqual(await Promise.all(answers), ['ok a', 'ok b', 'ok c', 'ok d', 'ok e', 'ok f']);
  });

  it('never has two items of one key out at once, and lets them out as they came', async () => {
    const { runs, run } = heldRuns();
    const group = new GroupCommit(run, 8, 2);
    void group.submit('k1', ['k']);
    // A free slot, but k is out: it waits, and holds back a later item that shares any of its keys.
    void group.submit('k2', ['k', 's']);
    void group.submit('s1', ['s']);
    void group.submit('x', ['x']);
    assert.deepEqual(
      runs.map((r) => r.items),
      [['k1'], ['x']],
    );
    runs[0].release();
    await tick();
    assert.deepEqual(runs[2].items, ['k2']);
    runs[1].release();
    await tick();
    assert.equal(runs.length, 3, 's1 waits for k2, which shares s');
    runs[2].release();
    await tick();
    assert.deepEqual(runs[3].items, ['s1']);
  });

  it('fails one item alone when its run says so, and every item of a run that fails', async () => {
    const { runs, run } = heldRuns();
    const group = new GroupCommit(run, 8, 1);
    const first = group.submit('a', ['a']);
    const grouped = ['b', 'bad-c', 'd'].map((i) => group.submit(i, [i]));
    runs[0].release(new Error('connection lost'));
    await assert.rejects(first, /connection lost/);
    await tick();
    runs[1].release();
    const outcomes = await Promise.allSettled(grouped);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  it('fails the waiting items with a run that failed for their store, and only for such a failure', async () => {
    const { runs, run } = heldRuns();
    const group = new GroupCommit(run, 8, 1, (error) => (error as Error).message === 'store down');
    const first = group.submit('a', ['a']);
    const waiting = ['b', 'c'].map((i) => group.submit(i, [i]));
    runs[0].release(new Error('store down'));
    await assert.rejects(first, /store down/);
    for (const w of waiting) await assert.rejects(w, /store down/);
    assert.equal(runs.length, 1, 'no run for the waiting ones');
    const second = group.submit('d', ['d']);
    const behind = group.submit('e', ['e']);
    runs[1].release(new Error('something else'));
    await assert.rejects(second, /something else/);
    await tick();
    assert.deepEqual(runs[2].items, ['e'], 'run on its own');
    runs[2].release();
    assert.equal(await behind, 'ok e');
  });
});
