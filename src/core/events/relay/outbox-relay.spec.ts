import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelopeJson, streamFamily } from './outbox-relay.js';

describe('outbox relay', () => {
  it('writes the envelope with the stored data as is, parseable as one object', () => {
    const data = { item: { id: 'a"b', quantity: 1.5, note: 'ü\\n' } };
    const json = envelopeJson({
      position: '7',
      id: 'e1',
      stream: 's:1',
      seq: 2,
      type: 't.done',
      command_key: 'k',
      occurred_at: '2026-12-03T00:00:00.000001Z',
      data: JSON.stringify(data),
      traceparent: null,
    });
    assert.deepEqual(JSON.parse(json), {
      id: 'e1',
      stream: 's:1',
      seq: 2,
      type: 't.done',
      occurredAt: '2026-12-03T00:00:00.000001Z',
      commandKey: 'k',
      data,
    });
  });

  it('labels a stream by its family, a bounded label', () => {
    assert.equal(streamFamily('account:42'), 'account');
    assert.equal(streamFamily('plain'), 'plain');
  });
});
