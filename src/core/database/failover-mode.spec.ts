import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveMode, FailoverMode, type ModeChange } from './failover-mode.js';

// A template for a state machine's spec: a plain class, its clock injected, every transition named.
describe('FailoverMode', () => {
  const inputs = { hasPostgres: true, writer: false, readableReplica: false, backlog: 0 };

  it('derives each mode from what the targets and the journal say', () => {
    assert.equal(deriveMode({ ...inputs, hasPostgres: false }), 'embedded');
    assert.equal(deriveMode({ ...inputs, writer: true }), 'normal');
    assert.equal(deriveMode({ ...inputs, writer: true, backlog: 3 }), 'replaying');
    assert.equal(deriveMode({ ...inputs, readableReplica: true }), 'replica-read-only');
    assert.equal(deriveMode({ ...inputs, readableReplica: true, backlog: 3 }), 'replica-read-only');
    assert.equal(deriveMode(inputs), 'fallback');
  });

  it('tells each change once, with when it happened by its clock', () => {
    let now = 1000;
    const mode = new FailoverMode('fallback', () => now);
    const changes: ModeChange[] = [];
    mode.onChange((c) => changes.push(c));
    now = 2000;
    assert.deepEqual(mode.update({ ...inputs, writer: true, backlog: 2 }), {
      from: 'fallback',
      to: 'replaying',
      at: 2000,
    });
    now = 3000;
    // The same inputs again: no change, nothing told, `since` kept.
    assert.equal(mode.update({ ...inputs, writer: true, backlog: 1 }), undefined);
    now = 4000;
    mode.update({ ...inputs, writer: true, backlog: 0 });
    assert.deepEqual(
      changes.map((c) => `${c.from}->${c.to}@${c.at}`),
      ['fallback->replaying@2000', 'replaying->normal@4000'],
    );
    assert.equal(mode.current, 'normal');
    assert.equal(mode.since, 4000);
  });

  it('stops telling a listener that unsubscribed', () => {
    const mode = new FailoverMode('fallback', () => 0);
    let told = 0;
    const stop = mode.onChange(() => told++);
    mode.update({ ...inputs, writer: true });
    stop();
    mode.update(inputs);
    assert.equal(told, 1);
  });
});
