import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenGaps } from './open-gaps.js';

describe('OpenGaps', () => {
  const clock = { now: 0 };
  const gaps = () => new OpenGaps(1_000, () => clock.now, 2);

  it('times a gap from its first sighting until its stream moves on', () => {
    clock.now = 0;
    const open = gaps();
    assert.equal(open.sighted('a'), 0);
    clock.now = 900;
    assert.equal(open.sighted('a'), 900);
    clock.now = 1_800;
    assert.equal(open.sighted('a'), 1_800, 'each sighting keeps it fresh');
    assert.equal(open.oldestSeconds(), 1.8);
    open.closed('a');
    assert.equal(open.oldestSeconds(), 0);
    assert.equal(open.sighted('a'), 0, 'a new gap');
  });

  it('neither counts nor continues a gap unseen for longer than staleMs', () => {
    clock.now = 0;
    const open = gaps();
    open.sighted('a');
    clock.now = 1_001;
    assert.equal(open.oldestSeconds(), 0);
    assert.equal(open.sighted('a'), 0, 'started again: a deadline runs later, never sooner');
  });

  it('forgets the least recently seen stream past its bound', () => {
    clock.now = 0;
    const open = gaps();
    open.sighted('a');
    clock.now = 10;
    open.sighted('b');
    open.sighted('a');
    open.sighted('c');
    clock.now = 20;
    assert.equal(open.sighted('a'), 20, 'kept: seen more recently than b');
    assert.equal(open.sighted('b'), 0, 'forgotten');
  });
});
