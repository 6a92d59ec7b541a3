import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventId, isoMicros, OutboxRecorder } from './outbox.recorder.js';

describe('outbox recorder', () => {
  const command = { type: 'item.add', key: 'k-1', entityId: 'e-1' };

  it('writes UTC timestamps with microseconds', () => {
    assert.equal(isoMicros(1_764_745_058_123_456), '2025-12-03T06:57:38.123456Z');
    assert.equal(isoMicros(1_764_745_058_000_007), '2025-12-03T06:57:38.000007Z');
  });

  it('gives the same command the same event ids, and different events different ones', () => {
    assert.equal(eventId(command, 0, 'item.added'), eventId({ ...command }, 0, 'item.added'));
    assert.notEqual(eventId(command, 0, 'item.added'), eventId(command, 1, 'item.added'));
    assert.notEqual(eventId(command, 0, 'item.added'), eventId({ ...command, key: 'k-2' }, 0, 'item.added'));
    assert.match(eventId(command, 0, 'item.added'), /^[0-9a-f]{40}$/);
  });

  it("fuses a Postgres insert-if-absent with its events, numbering the insert's parameters on", () => {
    const recorder = new OutboxRecorder(() => 1_764_745_058_123_456);
    const insert = { sql: 'INSERT INTO "items" ("id") VALUES ($1) ON CONFLICT DO NOTHING', parameters: ['i-1'] };
    const events = [
      { stream: 'item:i-1', type: 'item.added', data: { id: 'i-1' } },
      { stream: 'item:i-1', type: 'item.noted', data: {} },
    ];
    const traced = { ...command, traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };
    const fused = recorder.fuse(insert, traced, events)!;
    assert.match(
      fused.sql,
      /^WITH ins AS \(INSERT INTO "items" \("id"\) VALUES \(\$1\) ON CONFLICT DO NOTHING RETURNING 1\)/,
    );
    assert.match(fused.sql, /SELECT count\(\*\)::int AS inserted FROM ins$/);
    assert.equal(fused.parameters.length, 1 + 2 * 7);
    assert.deepEqual(fused.parameters.slice(1, 8), [
      eventId(command, 0, 'item.added'),
      'item:i-1',
      'item.added',
      'k-1',
      '2025-12-03T06:57:38.123456Z',
      '{"id":"i-1"}',
      traced.traceparent,
    ]);
    assert.ok(fused.sql.includes('$15'), 'the last event parameter');
    // Tracing off: no traceparent, stored as null.
    assert.equal(recorder.fuse(insert, command, events)!.parameters[7], null);
    // SQLite's insert (INSERT OR IGNORE) cannot be fused: written beside it instead.
    assert.equal(
      recorder.fuse({ sql: 'INSERT OR IGNORE INTO "items" ("id") VALUES (?)', parameters: ['i-1'] }, command, events),
      undefined,
    );
  });

  it("writes a grouped insert's events for the rows `done` names, with the ids the single statement gives", () => {
    const recorder = new OutboxRecorder(() => 1_764_745_058_123_456);
    assert.equal(recorder.fusesGroups, true);
    const other = { ...command, key: 'k-2', entityId: 'e-2', traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01` };
    const group = recorder.fuseGroup(
      [
        { n: 1, command, event: { stream: 'item:e-1', type: 'item.added', data: { id: 'e-1' } } },
        { n: 3, command: other, event: { stream: 'item:e-2', type: 'item.added', data: { id: 'e-2' } } },
      ],
      2,
    );
    assert.match(group.ctes, /json_to_recordset\(\$2::json\)/);
    assert.match(group.ctes, /JOIN done USING \(n\)/);
    assert.deepEqual(JSON.parse(group.parameter as string), [
      {
        n: 1,
        id: eventId(command, 0, 'item.added'),
        stream: 'item:e-1',
        type: 'item.added',
        command_key: 'k-1',
        occurred_at: '2025-12-03T06:57:38.123456Z',
        data: '{"id":"e-1"}',
      },
      {
        n: 3,
        id: eventId(other, 0, 'item.added'),
        stream: 'item:e-2',
        type: 'item.added',
        command_key: 'k-2',
        occurred_at: '2025-12-03T06:57:38.123456Z',
        data: '{"id":"e-2"}',
        traceparent: other.traceparent,
      },
    ]);
  });
});
