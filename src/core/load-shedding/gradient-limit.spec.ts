import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradientLimit } from './gradient-limit.js';

class FakeClock {
  t = 1_000_000;
  now = (): number => this.t;
}

/** Runs `windows` windows of `concurrency` requests that each take `rttMs`. */
function drive(limit: GradientLimit, clock: FakeClock, windows: number, concurrency: number, rttMs: number): void {
  for (let w = 0; w < windows; w += 1) {
    const started: number[] = [];
    for (let i = 0; i < concurrency; i += 1) if (limit.tryAcquire()) started.push(clock.t);
    clock.t += Math.max(rttMs, 250);
    for (let i = 0; i < started.length; i += 1) limit.release(clock.t - rttMs);
  }
}

function limiter(clock: FakeClock, initialLimit = 20) {
  return new GradientLimit({ minLimit: 4, maxLimit: 200, initialLimit, windowMs: 250, minSamples: 5 }, clock);
}

describe(GradientLimit.name, () => {
  it('refuses a request past the limit at once, and admits again when a slot is given back', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 4);
    for (let i = 0; i < 4; i += 1) assert.equal(limit.tryAcquire(), true);
    assert.equal(limit.tryAcquire(), false);
    assert.equal(limit.inFlightRequests, 4);
    limit.release(clock.t);
    assert.equal(limit.tryAcquire(), true);
  });

  it('grows towards the maximum while latency stays flat and demand reaches the limit', () => {
    const clock = new FakeClock();
    const limit = limiter(clock);
    drive(limit, clock, 200, 1000, 5);
    assert.equal(limit.limit, 200);
  });

  it('does not grow while demand stays under half the limit', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 40);
    drive(limit, clock, 100, 10, 5);
    assert.equal(limit.limit, 40);
  });

  it('shrinks towards the minimum when latency climbs well past its long-term level', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 100);
    drive(limit, clock, 30, 1000, 5);
    const before = limit.limit;
    for (let w = 1; w <= 12; w += 1) drive(limit, clock, 1, 1000, 5 * 2 ** w);
    assert.ok(limit.limit < before / 2, `limit ${limit.limit} after latency climbed (was ${before})`);
    assert.ok(limit.limit >= 4, 'never under the minimum');
  });

  it('recovers once latency is back to its old level', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 100);
    drive(limit, clock, 30, 1000, 5);
    for (let w = 1; w <= 12; w += 1) drive(limit, clock, 1, 1000, 5 * 2 ** w);
    const low = limit.limit;
    drive(limit, clock, 300, 1000, 5);
    assert.ok(limit.limit > low * 2, `limit ${limit.limit}, was ${low} while slow`);
  });

  it('leaves the limit alone until a window has both its time and its samples', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 10);
    for (let i = 0; i < 10; i += 1) limit.tryAcquire();
    clock.t += 10_000;
    for (let i = 0; i < 4; i += 1) limit.release(clock.t - 1);
    assert.equal(limit.limit, 10, 'four samples are not a window');
  });

  it('ignores the latency of a request whose client went away, but frees its slot', () => {
    const clock = new FakeClock();
    const limit = limiter(clock, 10);
    drive(limit, clock, 10, 100, 5);
    const before = limit.limit;
    for (let i = 0; i < before; i += 1) limit.tryAcquire();
    clock.t += 60_000;
    for (let i = 0; i < before; i += 1) limit.release(clock.t - 60_000, false);
    assert.equal(limit.inFlightRequests, 0);
    assert.ok(limit.limit >= before, 'aborted requests said nothing about latency');
  });

  it('refuses limits that cannot work', () => {
    assert.throws(() => new GradientLimit({ minLimit: 0, maxLimit: 10, initialLimit: 5 }, new FakeClock()));
    assert.throws(() => new GradientLimit({ minLimit: 10, maxLimit: 5, initialLimit: 5 }, new FakeClock()));
  });
});
