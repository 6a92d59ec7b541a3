import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NatsBroker } from '../../src/core/events/broker/nats-broker.js';
import { brokerEvents } from '../harness/nats-events.js';
import { NatsServer, waitFor } from '../harness/index.js';

describe('NatsBroker against a real nats-server', () => {
  let nats: NatsServer;
  let broker: NatsBroker;

  before(async () => {
    nats = await NatsServer.start();
    broker = new NatsBroker({
      servers: [nats.url],
      stream: 'EVENTS',
      subjectPrefix: 'events',
      duplicateWindowMs: 60_000,
      name: 'spec',
    });
    broker.start();
    await waitFor('connected', async () => broker.status().connected, 10_000);
  });

  after(async () => {
    await broker?.close();
    await nats?.destroy();
  });

  const event = (id: string, size = 0) => ({
    subject: `events.order.${id}`,
    id,
    data: Buffer.from(JSON.stringify({ id, stream: `order:${id}`, seq: 1, pad: 'x'.repeat(size) })),
  });

  it('confirms each publish, and names a repeat of an id as a duplicate', async () => {
    const results = await broker.publish([event('a'), event('b'), event('a')], 3000);
    assert.deepEqual(results, [
      { ok: true, duplicate: false },
      { ok: true, duplicate: false },
      { ok: true, duplicate: true },
    ]);
  });

  it('fails one message the server will not take (over max_payload) alone: the others are confirmed', async () => {
    const results = await broker.publish([event('c'), event('huge', 2 * 1024 * 1024), event('d')], 3000);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, true],
    );
    assert.match((results[1] as { error: string }).error, /payload/i);
    const ids = (await brokerEvents(nats.url)).map((e) => e.id);
    assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
  });

  it('gives up on PubAcks that do not come within the timeout (the server frozen)', async () => {
    nats.freeze();
    try {
      const results = await broker.publish([event('e'), event('f')], 300);
      assert.deepEqual(results, [
        { ok: false, error: 'timeout waiting for the PubAck' },
        { ok: false, error: 'timeout waiting for the PubAck' },
      ]);
    } finally {
      nats.thaw();
    }
  });
});
