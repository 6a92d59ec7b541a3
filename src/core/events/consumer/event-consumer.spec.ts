import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { DatabaseService } from '../../database/index.js';
import { MetricsService } from '../../monitoring/index.js';
import type { DeliveredMessage } from '../broker/event-broker.js';
import type { EventEnvelope } from '../event-envelope.js';
import type { EventsConfig } from '../events.config.js';
import { EventsMetrics } from '../events.metrics.js';
import { eventsMigrations } from '../migrations/index.js';
import { OutboxEventEntity } from '../outbox/outbox.entities.js';
import { ConsumerStreamEntity, EventDeadLetterEntity, InboxEntity } from './consumer.entities.js';
import { EventConsumer } from './event-consumer.js';

const DEADLINE = 60_000;
const RETENTION = 3_600_000;

const event = (stream: string, seq: number): EventEnvelope => ({
  id: `${stream}#${seq}`,
  stream,
  seq,
  type: 'item.noted',
  occurredAt: '2026-12-04T00:00:00.000000Z',
  commandKey: 'k',
  data: {},
});

const message = (e: EventEnvelope): DeliveredMessage => ({
  subject: `events.item.${e.stream}`,
  data: Buffer.from(JSON.stringify(e)),
  deliveries: 1,
  ack: () => undefined,
  retry: () => undefined,
  drop: () => undefined,
});

/** The consumer on the embedded store (SQLite): its `?` placeholders, no advisory lock. */
describe('the event consumer on SQLite: the gap deadline and the inbox retention', () => {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [InboxEntity, ConsumerStreamEntity, EventDeadLetterEntity, OutboxEventEntity],
    // The module's own migrations, as the embedded store runs them.
    migrations: eventsMigrations,
    migrationsRun: true,
  });
  const clock = { now: 1_800_000_000_000 };
  const handled: string[] = [];
  const database = {
    writeTransaction: <R>(work: (m: EntityManager) => Promise<R>) => ds.transaction(work),
  } as unknown as DatabaseService;
  const config = {
    subjectPrefix: 'events',
    consumerMaxDeliver: 3,
    consumerRetryMs: 10,
    consumerAckWaitMs: 60_000,
    consumerGapDeadlineMs: DEADLINE,
    inboxRetentionMs: RETENTION,
  } as EventsConfig;
  const consumer = new EventConsumer(
    { name: 'lite', families: ['item'] },
    { handle: async (_m, e) => void handled.push(e.id) },
    database,
    // A broker that holds none of the stream's earlier events.
    { retained: async () => ({ bodies: [], complete: true }) } as never,
    config,
    new EventsMetrics(Object.assign(new MetricsService(), { registry: new Registry() }), () => undefined),
    () => clock.now,
  );

  before(() => ds.initialize());
  after(() => ds.destroy());

  it('closes a gap the broker no longer fills past the deadline, and its stream goes on', async () => {
    const e2 = event('item:a', 2);
    assert.equal(await consumer.deliver(message(e2)), 'early');
    clock.now += DEADLINE;
    assert.equal(await consumer.deliver(message(e2)), 'applied');
    const [gap] = await ds.manager.findBy(EventDeadLetterEntity, { consumer: 'lite' });
    assert.equal(gap.type, 'gap');
    assert.match(gap.reason, /^gap: #1 of its stream in neither the broker nor the outbox/);
    assert.equal(await consumer.deliver(message(event('item:a', 3))), 'applied');
    assert.deepEqual(handled, ['item:a#2', 'item:a#3']);
  });

  it('prunes inbox rows past the retention; a pruned event redelivered is still a duplicate', async () => {
    await consumer.deliverBatch([message(event('item:b', 1)), message(event('item:b', 2))]);
    const rows = () => ds.manager.countBy(InboxEntity, { consumer: 'lite' });
    assert.equal(await rows(), 4);
    clock.now += RETENTION + 1;
    assert.equal(await consumer.pruneInbox(), 4);
    assert.equal(await rows(), 0);
    assert.equal(await consumer.deliver(message(event('item:b', 2))), 'duplicate');
    assert.deepEqual(handled, ['item:a#2', 'item:a#3', 'item:b#1', 'item:b#2']);
  });
});
