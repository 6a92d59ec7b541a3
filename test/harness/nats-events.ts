import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { EventEnvelope } from '../../src/core/events/index.js';

/** Every event the broker holds, in its stream order. */
export async function brokerEvents(url: string): Promise<EventEnvelope[]> {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('EVENTS').catch(() => undefined);
    if (!info) return [];
    const events: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage('EVENTS', { seq });
      if (m) events.push(m.json<EventEnvelope>());
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** Per stream, the sequence numbers 1..n exactly once each: no gap, no double. */
export function assertStreamsWhole(events: EventEnvelope[]): Map<string, EventEnvelope[]> {
  const streams = new Map<string, EventEnvelope[]>();
  for (const e of events) streams.set(e.stream, [...(streams.get(e.stream) ?? []), e]);
  for (const [stream, list] of streams)
    assert.deepEqual(
      list.map((e) => e.seq),
      list.map((_, i) => i + 1),
      `${stream}: ${list.map((e) => `${e.seq}:${e.type}`).join(', ')}`,
    );
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'an event id twice in the broker');
  return streams;
}
