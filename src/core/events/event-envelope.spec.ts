import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subjectFor } from './event-envelope.js';

describe('subjectFor', () => {
  it('makes each part of the stream one subject token under the prefix', () => {
    assert.equal(subjectFor('events', 'item:0b7c-11_x'), 'events.item.0b7c-11_x');
    assert.equal(subjectFor('events', 'desk:eu:AAPL'), 'events.desk.eu.AAPL');
    assert.equal(subjectFor('events', 'audit'), 'events.audit');
  });

  it('never lets a part add a token, a wildcard or an empty token', () => {
    assert.equal(subjectFor('events', 'item:a.b'), 'events.item.a_b');
    assert.equal(subjectFor('events', 'item:*'), 'events.item._');
    assert.equal(subjectFor('events', 'item:>'), 'events.item._');
    assert.equal(subjectFor('events', 'item:a b'), 'events.item.a_b');
    assert.equal(subjectFor('events', 'item::x'), 'events.item._.x');
    assert.equal(subjectFor('events', 'item:'), 'events.item._');
    assert.equal(subjectFor('events', ':x'), 'events._.x');
    assert.equal(subjectFor('events', ''), 'events._');
  });
});
