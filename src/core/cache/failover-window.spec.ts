import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailoverWindow } from './failover-window.js';

const WINDOW = 1000;
const settings = { windowMs: WINDOW, failureRatePercent: 50, minCalls: 10 };

/** Failures every `stepMs` from `from`, until the window says switch or `until` passes: when it said so, if it did. */
function failUntilSwitch(window: FailoverWindow, from: number, until: number, stepMs = 50): number | undefined {
  for (let t = from; t <= until; t += stepMs) if (window.failure(t)) return t;
  return undefined;
}

describe(FailoverWindow.name, () => {
  it('never switches on one failure among successes', () => {
    const window = new FailoverWindow(settings);
    for (let t = 0; t < 500; t++) window.success(t);
    assert.equal(window.failure(500), false);
    // Then one failure in every hundred operations, for a long time.
    for (let t = 501; t < 5000; t++) {
      if (t % 100 === 0) assert.equal(window.failure(t), false, `switched at ${t}`);
      else window.success(t);
    }
  });

  it('never switches on a dense burst of failures shorter than the window', () => {
    const window = new FailoverWindow(settings);
    // 900 ms of nothing but failures, one per millisecond: far over the rate and the minimum.
    for (let t = 0; t < 900; t++) assert.equal(window.failure(t), false, `switched at ${t} ms into the burst`);
    for (let t = 900; t < 2000; t++) window.success(t);
    // The burst is over and the window healthy: a new failure starts from nothing.
    assert.equal(window.failure(2000), false);
    assert.equal(window.describe(2000).failingForMs, 0);
  });

  it('switches once the window has been failing for a whole window, not before', () => {
    const window = new FailoverWindow(settings);
    const switchedAt = failUntilSwitch(window, 0, 10_000);
    assert.ok(switchedAt !== undefined, 'never switched on a Redis failing every call');
    // Failing from the 10th failure (minCalls), at 450 ms: a whole window after that, and no earlier.
    assert.equal(switchedAt, 450 + WINDOW);
  });

  it('needs minCalls operations in the window: a few failures on an idle cache say nothing', () => {
    const window = new FailoverWindow(settings);
    // One failure every 200 ms: 5 or 6 in any window, under the minimum of 10, however long it lasts.
    assert.equal(failUntilSwitch(window, 0, 20_000, 200), undefined);
  });

  it('lets earlier successes slide out of the window first, so a busy cache switches within two windows', () => {
    const window = new FailoverWindow(settings);
    for (let t = 0; t < 1000; t++) for (let i = 0; i < 30; i++) window.success(t);
    const switchedAt = failUntilSwitch(window, 1000, 10_000);
    assert.ok(switchedAt !== undefined, 'never switched');
    assert.ok(switchedAt - 1000 >= WINDOW, `switched ${switchedAt - 1000} ms after the first failure`);
    assert.ok(switchedAt - 1000 <= 2 * WINDOW, `switched only ${switchedAt - 1000} ms after the first failure`);
  });

  it('starts over when the failure rate drops under the threshold on the way', () => {
    const window = new FailoverWindow(settings);
    assert.equal(failUntilSwitch(window, 0, 1200), undefined, 'not yet: failing since 450 ms');
    // Redis answers for a while: the window is healthy again.
    for (let t = 1201; t < 2500; t++) window.success(t);
    assert.equal(window.describe(2500).failingForMs, 0);
    const switchedAt = failUntilSwitch(window, 2500, 10_000);
    assert.ok(switchedAt !== undefined && switchedAt - 2500 >= WINDOW, `switched at ${switchedAt}`);
  });

  it('tolerates a failure rate under the threshold for ever (a saturated but healthy Redis)', () => {
    const window = new FailoverWindow(settings);
    // 40% of the operations time out, for 30 s.
    for (let t = 0; t < 30_000; t += 10) {
      const failed = t % 50 < 20;
      if (failed) assert.equal(window.failure(t), false, `switched at ${t}`);
      else window.success(t);
    }
  });

  it('forgets everything on reset', () => {
    const window = new FailoverWindow(settings);
    failUntilSwitch(window, 0, 1200);
    window.reset();
    assert.deepEqual(window.describe(1200), { calls: 0, failures: 0, failingForMs: 0 });
    assert.equal(window.failure(1250), false);
  });
});
