import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvailabilityState } from './availability.state.js';

describe(AvailabilityState.name, () => {
  it('drains at once when nothing is in flight', async () => {
    assert.equal(await new AvailabilityState().waitForDrain(10_000), 'drained');
  });

  it('waits for the last in-flight request', async () => {
    const state = new AvailabilityState();
    state.requestStarted();
    state.requestStarted();
    state.beginShutdown();
    const drained = state.waitForDrain(10_000);
    state.requestFinished();
    state.requestFinished();
    assert.equal(await drained, 'drained');
    assert.ok(state.isShuttingDown);
  });

  it('gives up after the drain bound', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const state = new AvailabilityState();
    state.requestStarted();
    const drained = state.waitForDrain(5000);
    t.mock.timers.tick(5000);
    assert.equal(await drained, 'timeout');
    assert.equal(state.inFlightRequests, 1);
  });

  it('tells its shutdown listeners when shutdown begins, and not before', () => {
    const state = new AvailabilityState();
    let told = 0;
    state.onShutdown(() => (told += 1));
    assert.equal(told, 0);
    state.beginShutdown();
    assert.equal(told, 1);
  });
});
