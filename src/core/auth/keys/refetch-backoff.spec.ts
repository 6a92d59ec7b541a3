import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefetchBackoff } from './refetch-backoff.js';

describe(RefetchBackoff.name, () => {
  const start = () => {
    const clock = { now: 1_000_000 };
    return { clock, backoff: new RefetchBackoff(1000, 8000, () => clock.now) };
  };

  it('lets the first fetch, and the first after a useful one, start at once', () => {
    const { backoff } = start();
    assert.equal(backoff.waitMs, 0);
    backoff.settled('useful');
    assert.equal(backoff.waitMs, 0, 'a rotation right after a fetch is picked up without a cooldown');
  });

  it('doubles the wait after each wasted fetch, up to the cap, counted from when the fetch ended', () => {
    const { clock, backoff } = start();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      backoff.settled('wasted');
      waits.push(backoff.waitMs);
      clock.now += backoff.waitMs;
      assert.equal(backoff.waitMs, 0);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('starts again from no wait once a fetch brings new keys', () => {
    const { clock, backoff } = start();
    backoff.settled('wasted');
    backoff.settled('wasted');
    clock.now += 2000;
    backoff.settled('useful');
    assert.equal(backoff.waitMs, 0);
    backoff.settled('wasted');
    assert.equal(backoff.waitMs, 1000);
  });

  it('never waits less than the first step, even with a smaller cap', () => {
    const clock = { now: 0 };
    const backoff = new RefetchBackoff(500, 0, () => clock.now);
    backoff.settled('wasted');
    backoff.settled('wasted');
    assert.equal(backoff.waitMs, 500);
  });
});
