import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NatsBroker } from '../../src/core/events/broker/nats-broker.js';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { brokerEvents } from '../harness/nats-events.js';
import { NatsServer, waitFor } from '../harness/index.js';

/** The broker on the `EVENTS` stream of `nats`, no limits. */
const eventsOn = (nats: NatsServer) => ({
  servers: [nats.url],
  stream: 'EVENTS',
  subjectPrefix: 'events',
  duplicateWindowMs: 60_000,
  maxAgeMs: 0,
  maxBytes: 0,
  name: 'spec',
});

describe('NatsBroker against a real nats-server', () => {
  let nats: NatsServer;
  let broker: NatsBroker;

  before(async () => {
    nats = await NatsServer.start();
    broker = new NatsBroker(eventsOn(nats));
    broker.start();
    await waitFor('connected', async () => broker.status().connected, 10_000);
  });

  after(async () => {
    await broker?.close();
    await nats?.destroy();
  });

  const consumerInfo = async (durable: string) => {
    const nc = await connect({ servers: nats.url });
    try {
      return await (await jetstreamManager(nc)).consumers.info('EVENTS', durable);
    } finally {
      await nc.close();
    }
  };

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

  it('reads back what it still holds on one subject, oldest first and up to a limit', async () => {
    const on = (id: string, n: number) => ({ ...event(`${id}-${n}`), subject: `events.order.${id}` });
    await broker.publish([on('held', 1), on('other', 1), on('held', 2), on('held', 3)], 3000);
    const read = async (subject: string, limit: number) => {
      const { bodies, complete } = await broker.retained(subject, limit);
      return { ids: bodies.map((b) => (JSON.parse(Buffer.from(b).toString()) as { id: string }).id), complete };
    };
    assert.deepEqual(await read('events.order.held', 10), { ids: ['held-1', 'held-2', 'held-3'], complete: true });
    assert.deepEqual(await read('events.order.held', 2), { ids: ['held-1', 'held-2'], complete: false });
    assert.deepEqual((await read('events.order.held', 3)).complete, true, 'exactly the limit: all of it');
    assert.deepEqual(await read('events.order.none', 10), { ids: [], complete: true });
    const away = new NatsBroker({ ...eventsOn(nats), name: 'spec-away' });
    await assert.rejects(away.retained('events.order.held', 10), /not connected/);
  });

  it('lets the batch being applied finish and ack at close, before the connection goes', async () => {
    const own = new NatsBroker({ ...eventsOn(nats), name: 'spec-close' });
    own.start();
    await waitFor('connected', async () => own.status().connected, 10_000);
    let started = false;
    let applied = 0;
    own.subscribe({ durable: 'closing', filter: 'events.order.>', ackWaitMs: 30_000 }, async (batch) => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const m of batch) m.ack();
      applied += batch.length;
    });
    await waitFor('a batch being applied', async () => started, 10_000, 10);
    await own.close();
    assert.ok(applied > 0, 'the batch finished');
    const info = await consumerInfo('closing');
    // The batch's events acked (what was still queued is left to its ack wait).
    assert.equal(info.ack_floor.consumer_seq, applied, 'its acks reached the server');
  });

  it(
    'marks what it holds in progress while a batch is slow: neither the batch nor what queues behind it is sent again',
    { timeout: 30_000 },
    async () => {
      const ackWaitMs = 1500;
      const own = new NatsBroker({ ...eventsOn(nats), name: 'spec-slow' });
      own.start();
      try {
        await waitFor('connected', async () => own.status().connected, 10_000);
        const slow = (id: string) => ({ ...event(id), subject: `events.slowfam.${id}` });
        const first = ['s1', 's2', 's3'];
        const behind = ['s4', 's5', 's6'];
        assert.ok((await own.publish(first.map(slow), 5000)).every((r) => r.ok));
        const handed: Array<{ subject: string; deliveries: number }> = [];
        let batches = 0;
        own.subscribe({ durable: 'slow', filter: 'events.slowfam.>', ackWaitMs }, async (batch) => {
          batches += 1;
          for (const m of batch) handed.push({ subject: m.subject, deliveries: m.deliveries });
          // The first batch takes four ack waits (a frozen database); the events published
          // meanwhile queue behind it for as long.
          if (batches === 1) await new Promise((resolve) => setTimeout(resolve, 4 * ackWaitMs));
          for (const m of batch) m.ack();
        });
        await waitFor('the first batch', async () => batches === 1, 10_000, 10);
        assert.ok((await own.publish(behind.map(slow), 5000)).every((r) => r.ok));
        await waitFor('all handed', async () => handed.length >= 6, 20_000, 20);
        // Two ack waits more: any copy the broker were to send would have come by now.
        await new Promise((resolve) => setTimeout(resolve, 2 * ackWaitMs));
        assert.deepEqual(
          handed.map((h) => h.subject).sort(),
          [...first, ...behind].map((id) => `events.slowfam.${id}`).sort(),
          'each event handed once',
        );
        assert.deepEqual(
          handed.map((h) => h.deliveries),
          handed.map(() => 1),
          'none delivered again',
        );
      } finally {
        await own.close();
      }
    },
  );

  it(
    'lets go of a batch that never finishes (a frozen database) at close: the connection goes, its events wait for their ack wait',
    { timeout: 30_000 },
    async () => {
      const own = new NatsBroker({ ...eventsOn(nats), name: 'spec-stuck' });
      own.start();
      await waitFor('connected', async () => own.status().connected, 10_000);
      let started = false;
      let finished = false;
      own.subscribe({ durable: 'stuck', filter: 'events.order.>', ackWaitMs: 30_000 }, async () => {
        started = true;
        await new Promise(() => undefined);
        finished = true;
      });
      await waitFor('a batch being applied', async () => started, 10_000, 10);
      await own.close();
      assert.equal(finished, false, 'close did not wait for the batch for ever');
      assert.equal(own.status().connected, false, 'the connection went');
      const info = await consumerInfo('stuck');
      assert.equal(info.ack_floor.consumer_seq, 0, 'nothing acked: delivered again after the ack wait');
    },
  );

  // Its own stream on the same server (a second server on a free port could race the first for it).
  describe('the stream limits', () => {
    const brokers: NatsBroker[] = [];
    after(async () => {
      for (const b of brokers) await b.close();
    });

    async function started(maxAgeMs: number, maxBytes: number): Promise<NatsBroker> {
      const limited = new NatsBroker({
        servers: [nats.url],
        stream: 'LIMITED',
        subjectPrefix: 'limited',
        duplicateWindowMs: 1000,
        maxAgeMs,
        maxBytes,
        name: 'spec',
      });
      brokers.push(limited);
      limited.start();
      await waitFor('connected', async () => limited.status().connected, 10_000);
      return limited;
    }

    const limitedEvent = (id: string) => ({
      subject: `limited.order.${id}`,
      id,
      data: Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(900) })),
    });

    async function stream() {
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info('LIMITED');
        const ids: string[] = [];
        for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++)
          ids.push((await jsm.streams.getMessage('LIMITED', { seq }))!.json<{ id: string }>().id);
        return { config: info.config, ids };
      } finally {
        await nc.close();
      }
    }

    it('puts the limits on a stream made without them, refuses events when full and drops none, and ages them out', async () => {
      // A stream as an earlier version made it: no limits.
      const unlimited = await started(0, 0);
      assert.deepEqual(await unlimited.publish([limitedEvent('old')], 3000), [{ ok: true, duplicate: false }]);
      assert.equal((await stream()).config.max_bytes, -1);
      await unlimited.close();

      const limited = await started(2500, 4096);
      const results = await limited.publish(
        [1, 2, 3, 4, 5, 6].map((i) => limitedEvent(`e${i}`)),
        3000,
      );
      const { config, ids } = await stream();
      assert.equal(config.max_bytes, 4096);
      assert.equal(config.discard, 'new');
      const refused = results.filter((r) => !r.ok);
      assert.ok(refused.length > 0 && results[0].ok, JSON.stringify(results));
      for (const r of refused) assert.match((r as { error: string }).error, /maximum bytes/i);
      // Full: the new ones refused (they wait in the outbox), the oldest kept.
      assert.deepEqual(ids, ['old', ...results.flatMap((r, i) => (r.ok ? [`e${i + 1}`] : []))]);
      // Past the age limit the stream empties, and takes events again.
      await waitFor('the stream aged out', async () => (await stream()).ids.length === 0, 10_000, 200);
      assert.deepEqual(await limited.publish([limitedEvent('later')], 3000), [{ ok: true, duplicate: false }]);
    });
  });
});
