import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackpressureGate } from './backpressure.js';

describe(BackpressureGate.name, () => {
  it("pauses for the provider's Retry-After, 1 s without one, 30 s at most, then lets calls through", () => {
    let now = 1_000;
    const gate = new BackpressureGate(() => now);
    assert.equal(gate.waitMs(), 0);
    gate.refused(2_500);
    assert.equal(gate.waitMs(), 2_500);
    now += 2_500;
    assert.equal(gate.waitMs(), 0);
    gate.refused(undefined);
    assert.equal(gate.waitMs(), 1_000);
    gate.refused(3_600_000);
    assert.equal(gate.waitMs(), 30_000, 'a provider cannot silence us for an hour');
  });

  it('never shortens a pause already in force', () => {
    let now = 0;
    const gate = new BackpressureGate(() => now);
    gate.refused(5_000);
    now += 1_000;
    gate.refused(500);
    assert.equal(gate.waitMs(), 4_000);
  });
});
