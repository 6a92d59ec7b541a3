import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Listeners } from './listeners.js';

describe(Listeners.name, () => {
  it('calls every listener in turn, and stops calling one once it is removed', () => {
    const listeners = new Listeners<number>();
    const seen: string[] = [];
    listeners.add((n) => seen.push(`a${n}`));
    const remove = listeners.add((n) => seen.push(`b${n}`));
    listeners.emit(1);
    remove();
    listeners.emit(2);
    assert.deepEqual(seen, ['a1', 'b1', 'a2']);
  });

  it('keeps calling the others when one throws, and hands the error to onError', () => {
    const errors: unknown[] = [];
    const listeners = new Listeners<void>((error) => errors.push(error));
    let called = 0;
    listeners.add(() => {
      throw new Error('boom');
    });
    listeners.add(() => (called += 1));
    listeners.emit();
    assert.equal(called, 1);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['boom'],
    );
  });
});
