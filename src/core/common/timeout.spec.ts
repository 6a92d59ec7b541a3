import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeoutError, withTimeout } from './timeout.js';

describe('withTimeout', () => {
  it('returns the value of a prompt promise', async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 1000, 'op'), 7);
  });

  it('rejects with TimeoutError when the promise never settles', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const pending = withTimeout(new Promise(() => undefined), 50, 'redis get');
    t.mock.timers.tick(50);
    await assert.rejects(
      pending,
      (e: TimeoutError) => e instanceof TimeoutError && e.message === 'redis get timed out after 50 ms',
    );
  });

  it('passes the original rejection through', async () => {
    await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 1000, 'op'), /boom/);
  });
});
