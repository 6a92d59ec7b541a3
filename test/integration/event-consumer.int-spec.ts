import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { DatabaseService } from '../../src/core/database/index.js';
import type { DeliveredMessage } from '../../src/core/events/broker/event-broker.js';
import { ConsumerDeadLetters } from '../../src/core/events/consumer/consumer-dead-letters.js';
import {
  ConsumerStreamEntity,
  EventDeadLetterEntity,
  InboxEntity,
} from '../../src/core/events/consumer/consumer.entities.js';
import { EventConsumer, type EventHandler } from '../../src/core/events/consumer/event-consumer.js';
import type { EventEnvelope } from '../../src/core/events/event-envelope.js';
import type { EventsConfig } from '../../src/core/events/events.config.js';
import { EventsMetrics } from '../../src/core/events/events.metrics.js';
import { OutboxEventEntity } from '../../src/core/events/outbox/outbox.entities.js';
import { MetricsService } from '../../src/core/monitoring/metrics.service.js';
import { PostgresCluster } from '../harness/postgres.js';

const MAX_ATTEMPTS = 3;
const config = {
  subjectPrefix: 'events',
  consumerMaxDeliver: MAX_ATTEMPTS,
  consumerRetryMs: 10,
  consumerAckWaitMs: 60_000,
} as EventsConfig;
// A gap unseen for longer than this (two ack waits) is not counted open.
const GAP_STALE_MS = 120_000;

const event = (stream: string, seq: number): EventEnvelope => ({
  id: `${stream}#${seq}`,
  stream,
  seq,
  type: 'item.noted',
  occurredAt: '2026-12-03T00:00:00.000000Z',
  commandKey: 'k',
  data: {},
});

/** A delivered message as the broker hands it over, recording how it was settled. */
function delivered(e: EventEnvelope, deliveries: number) {
  const settled: string[] = [];
  const message: DeliveredMessage = {
    subject: `events.item.${e.stream}`,
    data: Buffer.from(JSON.stringify(e)),
    deliveries,
    ack: () => settled.push('ack'),
    retry: () => settled.push('retry'),
    drop: () => settled.push('drop'),
  };
  return { message, settled };
}

/**
 * EventConsumer and the dead-letter tool on a real Postgres, the routing layer reduced to its
 * writer's transactions (with a hook run after a failed one: another instance's commit in between).
 */
describe('the event consumer on Postgres: attempts, dead letters and their redrive', () => {
  let cluster: PostgresCluster;
  let ds: DataSource;
  let afterFailure: (() => Promise<void>) | undefined;
  const failing = new Map<string, number>();
  const handled: string[] = [];
  const handler: EventHandler = {
    async handle(_m: EntityManager, e: EventEnvelope) {
      const left = failing.get(e.id) ?? 0;
      if (left > 0) {
        failing.set(e.id, left - 1);
        throw new Error(`cannot apply ${e.id}`);
      }
      handled.push(e.id);
    },
  };
  let transactions = 0;
  // The writer gone: every transaction fails to start, as with Postgres killed.
  let storeDown = false;
  const database = {
    async writeTransaction<R>(work: (m: EntityManager) => Promise<R>): Promise<R> {
      transactions++;
      if (storeDown) throw new Error('Connection terminated unexpectedly');
      try {
        return await ds.transaction(work);
      } catch (error) {
        const hook = afterFailure;
        afterFailure = undefined;
        await hook?.();
        throw error;
      }
    },
  } as unknown as DatabaseService;
  let consumer: EventConsumer;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    ds = new DataSource({
      type: 'postgres',
      url: cluster.primary.url,
      entities: [InboxEntity, ConsumerStreamEntity, EventDeadLetterEntity, OutboxEventEntity],
      synchronize: true,
    });
    await ds.initialize();
    const metrics = Object.assign(new MetricsService(), { registry: new Registry() });
    consumer = new EventConsumer(
      { name: 'spec', families: ['item'] },
      handler,
      database,
      {} as never,
      config,
      new EventsMetrics(metrics, () => undefined),
    );
  });
  after(async () => {
    await ds?.destroy();
    await cluster?.destroy();
  });
  beforeEach(async () => {
    failing.clear();
    handled.length = 0;
    await ds.query('DELETE FROM event_dead_letter');
  });

  const position = async (stream: string) =>
    (await ds.manager.findOneBy(ConsumerStreamEntity, { consumer: 'spec', stream }))?.lastSeq;

  it('dead-letters an event after its handler failed MAX times, not after the broker redelivered it that often', async () => {
    const e = event('item:a', 1);
    failing.set(e.id, MAX_ATTEMPTS);
    // Delivered many times already (early behind a gap, or waiting out Postgres): one failure is not the last.
    const results = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) results.push(await consumer.deliver(delivered(e, 10 + i).message));
    assert.deepEqual(results, ['failed', 'failed', 'dead_lettered']);
    assert.equal(await ds.manager.countBy(EventDeadLetterEntity, { eventId: e.id }), 1);
    assert.equal(await position('item:a'), 1, 'its stream goes on');
    // And an event that fails less often than that is applied.
    const next = event('item:a', 2);
    failing.set(next.id, MAX_ATTEMPTS - 1);
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await consumer.deliver(delivered(next, 20 + i).message);
    assert.equal(await consumer.deliver(delivered(next, 30).message), 'applied');
    assert.deepEqual(handled, [next.id]);
  });

  it('never dead-letters an event another instance applied meanwhile, nor moves its stream back', async () => {
    const e = event('item:b', 1);
    failing.set(e.id, MAX_ATTEMPTS);
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await consumer.deliver(delivered(e, i + 1).message);
    // Between the last failure and its dead letter, another instance applies it and the next one.
    afterFailure = async () => {
      await ds.manager.insert(InboxEntity, [
        { consumer: 'spec', eventId: e.id, appliedAt: '1' },
        { consumer: 'spec', eventId: event('item:b', 2).id, appliedAt: '1' },
      ]);
      await ds.manager.insert(ConsumerStreamEntity, { consumer: 'spec', stream: 'item:b', lastSeq: 2 });
    };
    const { message, settled } = delivered(e, MAX_ATTEMPTS);
    assert.equal(await consumer.deliver(message), 'duplicate');
    assert.deepEqual(settled, ['ack']);
    assert.equal(await ds.manager.countBy(EventDeadLetterEntity, { eventId: e.id }), 0, 'no dead letter');
    assert.equal(await position('item:b'), 2, 'the position stays where the other instance left it');
  });

  it('applies a batch around an early event in one transaction, and delivers the early one (each copy) again', async () => {
    const [a1, a2, b1, b2] = [event('item:e', 1), event('item:e', 2), event('item:f', 1), event('item:f', 2)];
    const batch = [a2, b1, a2, b2].map((e) => delivered(e, 1));
    transactions = 0;
    await consumer.deliverBatch(batch.map((d) => d.message));
    assert.equal(transactions, 1, 'one transaction for the batch');
    assert.deepEqual(
      batch.map((d) => d.settled),
      [['retry'], ['ack'], ['retry'], ['ack']],
    );
    assert.deepEqual(handled, [b1.id, b2.id]);
    assert.equal(await position('item:f'), 2);
    assert.equal(await position('item:e'), undefined, 'the gap: nothing applied on its stream');
    assert.equal(await ds.manager.countBy(InboxEntity, { consumer: 'spec', eventId: a2.id }), 0, 'no inbox row kept');
    // The gap filled: the early one is applied on its next delivery, not taken for a duplicate.
    await consumer.deliverBatch([delivered(a1, 1).message, delivered(a2, 2).message]);
    assert.deepEqual(handled, [b1.id, b2.id, a1.id, a2.id]);
    assert.equal(await position('item:e'), 2);
  });

  it('dead-letters a malformed envelope in its place, so its stream goes on; drops one it cannot place', async () => {
    const broken = { ...event('item:g', 1), occurredAt: undefined };
    const raw = (value: unknown) => {
      const d = delivered(event('item:g', 1), 1);
      d.message.data = Buffer.from(JSON.stringify(value));
      return d;
    };
    const placed = raw(broken);
    assert.equal(await consumer.deliver(placed.message), 'dead_lettered');
    assert.deepEqual(placed.settled, ['ack']);
    const [dead] = await ds.manager.findBy(EventDeadLetterEntity, { eventId: broken.id });
    assert.equal(dead.reason, 'not an event envelope');
    assert.equal(await position('item:g'), 1);
    assert.equal(await consumer.deliver(delivered(event('item:g', 2), 1).message), 'applied', 'its stream went on');
    // No place to keep it in (an id longer than the inbox's): dropped, not retried forever.
    const unplaced = raw({ ...event('item:h', 1), id: 'x'.repeat(41) });
    assert.equal(await consumer.deliver(unplaced.message), 'dead_lettered');
    assert.deepEqual(unplaced.settled, ['drop']);
  });

  it('redrives a dead letter once when two redrives race, and refuses a discard of one already redriven', async () => {
    const e = event('item:c', 1);
    failing.set(e.id, MAX_ATTEMPTS);
    for (let i = 0; i < MAX_ATTEMPTS; i++) await consumer.deliver(delivered(e, i + 1).message);
    let calls = 0;
    const slow: EventHandler = {
      async handle() {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
    };
    const letters = new ConsumerDeadLetters(database, new Map([['spec', slow]]));
    const outcomes = await Promise.allSettled([letters.redrive('spec', e.id), letters.redrive('spec', e.id)]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(calls, 1, 'the handler ran once');
    await assert.rejects(letters.discard('spec', e.id, 'ops', 'late'), /no dead letter/);
    assert.deepEqual(await letters.list(true), []);
  });

  describe('with a clock: the gap deadline and the inbox retention', () => {
    const DEADLINE = 60_000;
    const RETENTION = 86_400_000;
    const clock = { now: 1_800_000_000_000 };
    // A gap found still open is looked into again after this.
    const RECHECK = 30_000;
    // What the broker still holds, per subject; unreachable while `down`; more than a read returns while `more`.
    const held = new Map<string, EventEnvelope[]>();
    let down = false;
    let more = false;
    const asked: string[] = [];
    // Runs once a read is answered: what happens just after (the relay publishing, say).
    let afterRead: (() => Promise<void>) | undefined;
    const broker = {
      async retained(subject: string, limit: number) {
        asked.push(subject);
        if (down) throw new Error('not connected');
        const all = held.get(subject) ?? [];
        const bodies = all.slice(0, more ? 0 : limit).map((e) => Buffer.from(JSON.stringify(e)));
        const then = afterRead;
        afterRead = undefined;
        await then?.();
        return { bodies, complete: !more && all.length <= limit };
      },
    };
    const hold = (...events: EventEnvelope[]) => held.set(`events.item.${events[0].stream.split(':')[1]}`, events);
    let clocked: EventConsumer;
    const registry = new Registry();
    const gauge = async (name: string, labels: Record<string, string> = {}) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries({ consumer: 'clocked', ...labels }).every(([k, value]) => v.labels[k] === value),
      )?.value;
    const oldestGap = () => gauge('events_consumer_oldest_gap_seconds');
    const gapsClosed = async () => (await gauge('events_consumed_total', { result: 'dead_lettered' })) ?? 0;
    before(() => {
      const metrics = Object.assign(new MetricsService(), { registry });
      clocked = new EventConsumer(
        { name: 'clocked', families: ['item'] },
        handler,
        database,
        broker as never,
        { ...config, consumerGapDeadlineMs: DEADLINE, inboxRetentionMs: RETENTION },
        new EventsMetrics(metrics, () => undefined),
        () => clock.now,
      );
    });
    const at = async (stream: string) =>
      (await ds.manager.findOneBy(ConsumerStreamEntity, { consumer: 'clocked', stream }))?.lastSeq;
    const deadLetters = (stream: string) => ds.manager.findBy(EventDeadLetterEntity, { consumer: 'clocked', stream });

    it('closes a gap the broker no longer fills once past the deadline: one dead letter names it, the stream goes on', async () => {
      const [k1, k3, k4] = [event('item:k', 1), event('item:k', 3), event('item:k', 4)];
      hold(k3, k4);
      const closedBefore = await gapsClosed();
      const first = delivered(k3, 1);
      assert.equal(await clocked.deliver(first.message), 'early');
      assert.deepEqual(first.settled, ['retry']);
      clock.now += DEADLINE - 1;
      assert.equal(await clocked.deliver(delivered(k3, 2).message), 'early', 'not before the deadline');
      clock.now += 1;
      const last = delivered(k3, 3);
      assert.equal(await clocked.deliver(last.message), 'applied', 'the next one once the gap is closed');
      assert.deepEqual(last.settled, ['ack']);
      const letters0 = await deadLetters('item:k');
      assert.equal(letters0.length, 1);
      const [gap] = letters0;
      assert.equal(gap.type, 'gap');
      assert.equal(gap.seq, 1);
      assert.match(gap.reason, /^gap: #1 to #2 of its stream in neither the broker nor the outbox after 60000 ms/);
      assert.equal((await gapsClosed()) - closedBefore, 1, 'counted once');
      assert.equal(await at('item:k'), 3);
      assert.equal(await clocked.deliver(delivered(k4, 1).message), 'applied');
      // One that turns up after all is behind the stream's position: the gap's dead letter names it.
      assert.equal(await clocked.deliver(delivered(k1, 1).message), 'duplicate');
      assert.deepEqual(handled, [k3.id, k4.id]);
      const letters = new ConsumerDeadLetters(database, new Map([['clocked', handler]]));
      await assert.rejects(letters.redrive('clocked', gap.eventId), /is a gap .*no event to apply/);
      await letters.discard('clocked', gap.eventId, 'ops', 'the blotter was rebuilt');
    });

    it('never passes over a number the broker still holds, whichever waiting event comes first', async () => {
      const [m2, m3] = [event('item:m', 2), event('item:m', 3)];
      hold(m2, m3);
      const round = async () => {
        const batch = [delivered(m3, 1), delivered(m2, 1)];
        await clocked.deliverBatch(batch.map((d) => d.message));
        return batch.map((d) => d.settled);
      };
      assert.deepEqual(await round(), [['retry'], ['retry']]);
      clock.now += DEADLINE;
      // #3 first: the gap closed up to #2, which the broker holds, and #3 waits for it.
      assert.deepEqual(await round(), [['retry'], ['retry']]);
      assert.equal(await at('item:m'), 1);
      // #2 applies; #3, ahead of it in the batch, comes again after it.
      assert.deepEqual(await round(), [['retry'], ['ack']]);
      assert.equal(await clocked.deliver(delivered(m3, 4).message), 'applied');
      assert.deepEqual(handled, [m2.id, m3.id]);
      assert.deepEqual(
        (await deadLetters('item:m')).map((d) => d.reason.split(' of ')[0]),
        ['gap: #1'],
      );
    });

    it('keeps a gap open past the deadline while the missing event may still come, asking again only after a while', async () => {
      const [n1, n2] = [event('item:n', 1), event('item:n', 2)];
      const subject = 'events.item.n';
      const asks = () => asked.filter((s) => s === subject).length;
      hold(n1, n2);
      assert.equal(await clocked.deliver(delivered(n2, 1).message), 'early');
      clock.now += DEADLINE;
      assert.equal(await clocked.deliver(delivered(n2, 2).message), 'early', 'held by the broker: on its way');
      assert.equal(asks(), 1);
      held.clear();
      clock.now += RECHECK - 1;
      assert.equal(await clocked.deliver(delivered(n2, 3).message), 'early');
      assert.equal(asks(), 1, 'put off');
      clock.now += 1;
      down = true;
      assert.equal(await clocked.deliver(delivered(n2, 4).message), 'early', 'the broker unreachable');
      down = false;
      clock.now += RECHECK;
      more = true;
      assert.equal(await clocked.deliver(delivered(n2, 5).message), 'early', 'more held than a read returns');
      more = false;
      clock.now += RECHECK;
      // Refused by a full broker stream, say: the relay publishes it later.
      const unsent = { ...n1, commandKey: 'k', data: '{}', traceparent: null };
      await ds.manager.insert(OutboxEventEntity, unsent);
      assert.equal(await clocked.deliver(delivered(n2, 6).message), 'early', 'still in the outbox');
      assert.equal(asks(), 3, 'the outbox answered: the broker not asked');
      assert.deepEqual(await deadLetters('item:n'), []);
      await ds.manager.delete(OutboxEventEntity, { id: n1.id });
      assert.equal(await clocked.deliver(delivered(n1, 1).message), 'applied');
      assert.equal(await clocked.deliver(delivered(n2, 7).message), 'applied');
      assert.deepEqual(handled, [n1.id, n2.id]);
    });

    it('never passes over an event the relay publishes while the gap is looked into', async () => {
      const [t1, t2] = [event('item:t', 1), event('item:t', 2)];
      hold(t2);
      await ds.manager.insert(OutboxEventEntity, { ...t1, data: '{}', traceparent: null });
      assert.equal(await clocked.deliver(delivered(t2, 1).message), 'early');
      clock.now += DEADLINE;
      // The relay publishes #1 just after the broker is read, and takes it out of the outbox.
      const publish = async () => {
        await ds.manager.delete(OutboxEventEntity, { id: t1.id });
        hold(t1, t2);
      };
      afterRead = publish;
      assert.equal(await clocked.deliver(delivered(t2, 2).message), 'early', 'the outbox looked at first');
      assert.deepEqual(await deadLetters('item:t'), []);
      if (afterRead) {
        afterRead = undefined;
        await publish();
      }
      clock.now += RECHECK;
      assert.equal(await clocked.deliver(delivered(t2, 3).message), 'early', 'now in the broker');
      assert.equal(await clocked.deliver(delivered(t1, 1).message), 'applied');
      assert.equal(await clocked.deliver(delivered(t2, 4).message), 'applied');
      assert.deepEqual(await deadLetters('item:t'), []);
    });

    it('keeps a gap open when the database goes in the middle of the look, and closes it on a later look', async () => {
      const [v3] = [event('item:v', 3)];
      hold(v3);
      assert.equal(await clocked.deliver(delivered(v3, 1).message), 'early');
      clock.now += DEADLINE;
      // The outbox looked at, the broker read, then no writer for the closing transaction.
      afterRead = async () => void (storeDown = true);
      const dying = delivered(v3, 2);
      try {
        assert.equal(await clocked.deliver(dying.message), 'early');
      } finally {
        storeDown = false;
      }
      assert.deepEqual(dying.settled, ['retry']);
      assert.deepEqual(await deadLetters('item:v'), []);
      assert.equal(await at('item:v'), undefined, 'nothing moved');
      clock.now += RECHECK;
      assert.equal(await clocked.deliver(delivered(v3, 3).message), 'applied');
      assert.equal((await deadLetters('item:v')).length, 1);
      assert.equal(await at('item:v'), 3);
    });

    it('never moves a position back: a gap closed on one instance while another applies the event it gave up on', async () => {
      const [r1, r3] = [event('item:r', 1), event('item:r', 3)];
      // Gone from the broker by the time the deadline passes (aged out), while one instance still applies #1.
      let release!: () => void;
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => (entered = resolve));
      const slow: EventHandler = {
        async handle() {
          entered();
          await new Promise<void>((resolve) => (release = resolve));
        },
      };
      const other = new EventConsumer(
        { name: 'clocked', families: ['item'] },
        slow,
        database,
        broker as never,
        { ...config, consumerGapDeadlineMs: DEADLINE },
        new EventsMetrics(Object.assign(new MetricsService(), { registry: new Registry() }), () => undefined),
        () => clock.now,
      );
      assert.equal(await clocked.deliver(delivered(r3, 1).message), 'early');
      clock.now += DEADLINE;
      const applying = other.deliver(delivered(r1, 1).message);
      await inHandler;
      assert.equal(await clocked.deliver(delivered(r3, 2).message), 'applied', 'past #1 and #2');
      assert.equal(await at('item:r'), 3);
      release();
      assert.equal(await applying, 'applied');
      assert.equal(await at('item:r'), 3, 'kept: the later position');
    });

    it("runs a gap's deadline from when its stream first waited: a duplicate meanwhile is no progress", async () => {
      const [d1, d3] = [event('item:d', 1), event('item:d', 3)];
      hold(d1, d3);
      assert.equal(await clocked.deliver(delivered(d1, 1).message), 'applied');
      assert.equal(await clocked.deliver(delivered(d3, 1).message), 'early');
      clock.now += DEADLINE - 1;
      assert.equal(await clocked.deliver(delivered(d1, 2).message), 'duplicate');
      clock.now += 1;
      assert.equal(await clocked.deliver(delivered(d3, 2).message), 'applied', 'the gap closed on time');
      assert.deepEqual(
        (await deadLetters('item:d')).map((d) => d.reason.split(' of ')[0]),
        ['gap: #2'],
      );
    });

    it('counts a gap open while deliveries find it waiting, and starts it again once none has for a while', async () => {
      const [s2] = [event('item:s', 2)];
      hold(s2);
      assert.equal(await clocked.deliver(delivered(s2, 1).message), 'early');
      clock.now += 5_000;
      assert.equal(await clocked.deliver(delivered(s2, 2).message), 'early');
      assert.equal(await oldestGap(), 5);
      clock.now += GAP_STALE_MS + 1;
      assert.equal(await oldestGap(), 0, 'unseen: filled elsewhere, or its events gone to another instance');
      assert.equal(await clocked.deliver(delivered(s2, 3).message), 'early', 'its wait started again');
      clock.now += DEADLINE - 1;
      assert.equal(await clocked.deliver(delivered(s2, 4).message), 'early');
      assert.equal(await oldestGap(), (DEADLINE - 1) / 1000);
      clock.now += 1;
      assert.equal(await clocked.deliver(delivered(s2, 5).message), 'applied');
      assert.equal(await oldestGap(), 0, 'closed');
      assert.equal((await deadLetters('item:s')).length, 1);
    });

    it('prunes inbox rows older than the retention, a batch at a time, one instance at a time; a pruned event redelivered is still a duplicate', async () => {
      const [p1, p2, q1] = [event('item:p', 1), event('item:p', 2), event('item:q', 1)];
      await clocked.deliverBatch([delivered(p1, 1).message, delivered(p2, 1).message]);
      const old = clock.now;
      await ds.manager.insert(
        InboxEntity,
        Array.from({ length: 2500 }, (_, i) => ({
          consumer: 'clocked',
          eventId: `old-${i}`,
          appliedAt: String(old - 1),
        })),
      );
      clock.now += RETENTION / 2;
      await clocked.deliver(delivered(q1, 1).message);
      const inbox = () => ds.manager.countBy(InboxEntity, { consumer: 'clocked' });
      const kept = await inbox();
      clock.now = old + RETENTION + 1;
      // Another instance prunes: this one waits its turn.
      const other = ds.createQueryRunner();
      await other.connect();
      await other.query("SELECT pg_advisory_lock(20631204, hashtext('clocked'))");
      assert.equal(await clocked.pruneInbox(), 0);
      await other.query("SELECT pg_advisory_unlock(20631204, hashtext('clocked'))");
      await other.release();
      assert.equal(await clocked.pruneInbox(), 2000, 'a full batch');
      const rest = await clocked.pruneInbox();
      assert.ok(rest >= 502, `the rest, ${rest}`);
      assert.equal(await clocked.pruneInbox(), 0);
      assert.equal(await inbox(), kept - 2000 - rest);
      assert.equal(await ds.manager.countBy(InboxEntity, { consumer: 'clocked', eventId: p1.id }), 0);
      assert.equal(await ds.manager.countBy(InboxEntity, { consumer: 'clocked', eventId: q1.id }), 1, 'younger: kept');
      handled.length = 0;
      assert.equal(await clocked.deliver(delivered(p1, 2).message), 'duplicate', 'by its place');
      assert.deepEqual(handled, []);
    });
  });

  it('lists pending dead letters newest first, whatever the discarded ones around them', async () => {
    const rows = Array.from({ length: 1005 }, (_, i) => ({
      consumer: 'spec',
      eventId: `old-${i}`,
      stream: 'item:d',
      seq: i + 1,
      type: 'item.noted',
      envelope: '{}',
      reason: 'r',
      deadAt: String(1000 + i),
      discardedBy: 'ops',
    }));
    await ds.manager.insert(EventDeadLetterEntity, rows);
    await ds.manager.insert(EventDeadLetterEntity, {
      ...rows[0],
      eventId: 'pending-1',
      deadAt: '1',
      discardedBy: null,
    });
    const letters = new ConsumerDeadLetters(database, new Map());
    assert.deepEqual(
      (await letters.list()).map((d) => d.eventId),
      ['pending-1'],
    );
  });
});
