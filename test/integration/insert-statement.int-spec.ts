import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AbstractLogger, Column, CreateDateColumn, DataSource, Entity, In, PrimaryColumn } from 'typeorm';
import pg from 'pg';
import { insertIfAbsent, isTargetFailure } from '../../src/core/database/index.js';
import type { AppliedCommand, CommandEventSink } from '../../src/core/database/index.js';
import { PgTarget } from '../../src/core/database/postgres/pg-target.js';
import { createDataSource } from '../../src/core/database/typeorm/data-source.factory.js';
import { ROUTE_URLS, routedPgDriver } from '../../src/core/database/typeorm/routed-pg-driver.js';
import { TargetRouter } from '../../src/core/database/typeorm/target-router.js';
import {
  EmittedEventEntity,
  EventStreamEntity,
  OutboxEventEntity,
} from '../../src/core/events/outbox/outbox.entities.js';
import { OutboxRecorder } from '../../src/core/events/outbox/outbox.recorder.js';
import { OrderEntity } from '../../src/modules/orders/order.entity.js';
import type { Order } from '../../src/modules/orders/order.model.js';
import { PostgresCluster } from '../harness/postgres.js';

// An entity whose insert the query builder shapes itself (a create-date column): insertIfAbsent
// must still work through the builder.
@Entity({ name: 'stamped' })
class Stamped {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @Column({ type: 'varchar', length: 16, unique: true })
  key: string;

  @CreateDateColumn()
  createdAt: Date;
}

// Every statement TypeORM sends, to see which path built the insert.
class Recorder extends AbstractLogger {
  readonly queries: string[] = [];

  protected writeLog(_level: unknown, message: unknown): void {
    void message;
  }

  override logQuery(query: string): void {
    this.queries.push(query);
  }
}

// An entity whose values the driver prepares: a boolean, a transformer, a date.
@Entity({ name: 'flagged' })
class Flagged {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @Column({ type: 'varchar', length: 16, unique: true })
  key: string;

  @Column({ type: 'boolean' })
  active: boolean;

  @Column({ type: 'varchar', length: 16, transformer: { to: (v: string) => v.toUpperCase(), from: (v: string) => v } })
  code: string;

  // No type: a timestamp on Postgres, a datetime on SQLite.
  @Column()
  at: Date;
}

const order = (n: number, overrides: Partial<Order> = {}): Order => ({
  id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
  clientOrderId: `eq-${n}`,
  symbol: 'BRK.B',
  side: 'buy',
  type: 'limit',
  quantity: 1,
  limitPrice: 187.25,
  status: 'new',
  createdAt: '2026-11-30T02:00:00.000Z',
  owner: "o'brien ünïcode",
  ...overrides,
});

// The same order through TypeORM's query builder and through insertIfAbsent's own statement,
// as stored (every column as text), must not differ.
const CASES: Array<Partial<Order>> = [
  {},
  { limitPrice: null, type: 'market' },
  { quantity: 0.00000001, limitPrice: 1234567.12345678 },
  { quantity: 9876543.87654321, limitPrice: 0.1 + 0.2 },
  { quantity: 1e-7, owner: 'x'.repeat(128) },
];

async function storedText(
  dataSource: DataSource,
  id: string,
  entity: typeof OrderEntity | typeof Flagged = OrderEntity,
): Promise<Record<string, string | null>> {
  const cast =
    dataSource.options.type === 'postgres' ? (c: string) => `"${c}"::text` : (c: string) => `CAST("${c}" AS TEXT)`;
  const metadata = dataSource.getMetadata(entity);
  const columns = metadata.columns.map((c) => c.databaseName);
  const placeholder = dataSource.options.type === 'postgres' ? '$1' : '?';
  const [row] = (await dataSource.query(
    `SELECT ${columns.map((c) => `${cast(c)} AS "${c}"`).join(', ')} FROM "${metadata.tableName}" WHERE id = ${placeholder}`,
    [id],
  )) as Array<Record<string, string | null>>;
  return row;
}

function behavesLikeTheQueryBuilder(dataSource: () => DataSource, recorder: Recorder, ownStatement: RegExp): void {
  it('stores each order exactly as the query builder would', async () => {
    const ds = dataSource();
    for (const [i, overrides] of CASES.entries()) {
      const viaBuilder = order(100 + i, overrides);
      const viaStatement = order(200 + i, overrides);
      await ds.createQueryBuilder().insert().into(OrderEntity).values(viaBuilder).orIgnore().execute();
      recorder.queries.length = 0;
      assert.equal(await insertIfAbsent(ds.manager, OrderEntity, viaStatement), true);
      assert.match(recorder.queries.join('\n'), ownStatement, "the insert is its own statement, not the builder's");
      const [a, b] = [await storedText(ds, viaBuilder.id), await storedText(ds, viaStatement.id)];
      for (const key of ['id', 'client_order_id']) {
        delete a[key];
        delete b[key];
      }
      assert.deepStrictEqual(b, a, JSON.stringify(overrides));
      const [readA, readB] = [
        await ds.manager.findOneByOrFail(OrderEntity, { id: viaBuilder.id }),
        await ds.manager.findOneByOrFail(OrderEntity, { id: viaStatement.id }),
      ];
      assert.deepStrictEqual([readB.quantity, readB.limitPrice], [readA.quantity, readA.limitPrice]);
    }
  });

  it('prepares values as the query builder does: booleans, transformers, dates', async () => {
    const ds = dataSource();
    const at = new Date('2026-11-30T02:00:00.123Z');
    await ds
      .createQueryBuilder()
      .insert()
      .into(Flagged)
      .values({ id: 'b', key: 'kb', active: true, code: 'ab', at })
      .orIgnore()
      .execute();
    recorder.queries.length = 0;
    assert.equal(await insertIfAbsent(ds.manager, Flagged, { id: 's', key: 'ks', active: true, code: 'ab', at }), true);
    assert.match(recorder.queries.join('\n'), /"flagged" \("id"/, 'the insert is its own statement');
    const [a, b] = [await storedText(ds, 'b', Flagged), await storedText(ds, 's', Flagged)];
    assert.deepStrictEqual({ ...b, id: 'b', key: 'kb' }, a);
    assert.equal(a.code, 'AB');
  });

  it('inserts once: the same clientOrderId again, or the same id, answers false and changes nothing', async () => {
    const ds = dataSource();
    const first = order(300);
    assert.equal(await insertIfAbsent(ds.manager, OrderEntity, first), true);
    assert.equal(await insertIfAbsent(ds.manager, OrderEntity, { ...first, id: order(301).id, symbol: 'MSFT' }), false);
    assert.equal(
      await insertIfAbsent(ds.manager, OrderEntity, { ...first, clientOrderId: 'other', symbol: 'MSFT' }),
      false,
    );
    assert.equal((await ds.manager.findOneByOrFail(OrderEntity, { id: first.id })).symbol, 'BRK.B');
    assert.equal(await ds.manager.countBy(OrderEntity, { clientOrderId: 'other' }), 0);
  });

  it('falls back to the query builder where it shapes the insert, with the same answers', async () => {
    const ds = dataSource();
    assert.equal(await insertIfAbsent(ds.manager, Stamped, { id: 's1', key: 'k1' }), true);
    assert.equal(await insertIfAbsent(ds.manager, Stamped, { id: 's2', key: 'k1' }), false);
    assert.ok((await ds.manager.findOneByOrFail(Stamped, { id: 's1' })).createdAt instanceof Date);
    // A column left out: the builder writes its default.
    const { owner: _owner, ...withoutOwner } = order(400);
    assert.equal(await insertIfAbsent(ds.manager, OrderEntity, withoutOwner), true);
    assert.equal((await ds.manager.findOneByOrFail(OrderEntity, { id: order(400).id })).owner, 'anonymous');
  });
}

describe('insertIfAbsent on Postgres', () => {
  const postgresQueries = new Recorder();
  let cluster: PostgresCluster;
  let ds: DataSource;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    ds = new DataSource({
      logger: postgresQueries,
      logging: ['query'],
      type: 'postgres',
      url: cluster.primary.url,
      entities: [OrderEntity, Stamped, Flagged],
      synchronize: true,
    });
    await ds.initialize();
  });
  after(async () => {
    await ds?.destroy();
    await cluster?.destroy();
  });

  behavesLikeTheQueryBuilder(
    () => ds,
    postgresQueries,
    /^INSERT INTO "orders" \("id", .*\$10\) ON CONFLICT DO NOTHING$/m,
  );
});

describe('insertIfAbsent on SQLite', () => {
  const sqliteQueries = new Recorder();
  let ds: DataSource;

  before(async () => {
    ds = new DataSource({
      logger: sqliteQueries,
      logging: ['query'],
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [OrderEntity, Stamped, Flagged],
      synchronize: true,
    });
    await ds.initialize();
  });
  after(() => ds?.destroy());

  behavesLikeTheQueryBuilder(() => ds, sqliteQueries, /^INSERT OR IGNORE INTO "orders" \("id", .*\?\)$/m);
});

describe('insertIfAbsent on Postgres, grouped (the routed pools the app runs on)', () => {
  const queries = new Recorder();
  let cluster: PostgresCluster;
  let target: PgTarget;
  let ds: DataSource;
  const sink: CommandEventSink = new OutboxRecorder(() => 1_764_745_058_123_456);
  // Every other command traced (a W3C traceparent of its own), as with tracing on at a ratio.
  const traceparentOf = (o: Order) =>
    Number(o.id.slice(-1)) % 2 === 0 ? `00-${o.id.replace(/-/g, '')}-${'b'.repeat(16)}-01` : undefined;
  const command = (o: Order): AppliedCommand => ({
    type: 'order.create',
    key: `${o.owner}/${o.clientOrderId}`,
    entityId: o.id,
    ...(traceparentOf(o) && { traceparent: traceparentOf(o) }),
  });
  const withEvent = (o: Order) => ({
    sink,
    command: command(o),
    events: [{ stream: `order:${o.id}`, type: 'order.created', data: { order: o } }],
  });
  const grouped = () => queries.queries.filter((q) => q.includes('json_populate_recordset')).length;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    target = new PgTarget({
      name: 'primary',
      url: cluster.primary.url,
      poolMax: 4,
      connectTimeoutMs: 2000,
      queryTimeoutMs: 1500,
      statementTimeoutMs: 1500,
      probeTimeoutMs: 1000,
      insertGroupRows: 8,
    });
    const router = new TargetRouter({ writer: () => target, readableReplicas: () => [], retryAfterSeconds: 1 });
    ds = await createDataSource({
      logger: queries,
      logging: ['query'],
      type: 'postgres',
      driver: routedPgDriver(router, pg),
      replication: { master: { url: ROUTE_URLS.writer }, slaves: [{ url: ROUTE_URLS.reader }] },
      installExtensions: false,
      entities: [OrderEntity, Stamped, Flagged, OutboxEventEntity, EventStreamEntity, EmittedEventEntity],
    });
    await ds.synchronize();
  });
  after(async () => {
    await ds?.destroy();
    await target?.pool.end();
    await cluster?.destroy();
  });

  behavesLikeTheQueryBuilder(() => ds, queries, /json_populate_recordset\(NULL::"orders", \$1::json\)/);

  it('answers each of many concurrent inserts as it would alone, in fewer statements than rows', async () => {
    queries.queries.length = 0;
    const fresh = Array.from({ length: 40 }, (_, i) => order(1000 + i));
    // Repeats within the burst: the same id, and the same (owner, clientOrderId) under another id.
    const calls = [
      ...fresh.map((o) => ({ o, expected: true })),
      ...fresh.slice(0, 5).map((o) => ({ o, expected: false })),
      ...fresh.slice(5, 10).map((o, i) => ({ o: { ...o, id: order(2000 + i).id }, expected: false })),
    ];
    const answers = await Promise.all(calls.map(({ o }) => insertIfAbsent(ds.manager, OrderEntity, o)));
    const wrong = calls.flatMap((c, i) => (answers[i] === c.expected ? [] : [`${i}: ${c.o.id} ${c.o.clientOrderId}`]));
    assert.deepEqual(wrong, [], 'answered otherwise than alone');
    const stored = await ds.manager.findBy(OrderEntity, { clientOrderId: In(fresh.map((o) => o.clientOrderId)) });
    assert.deepEqual(stored.map((r) => r.id).sort(), fresh.map((o) => o.id).sort(), 'each first row, and no other');
    const statements = grouped();
    assert.ok(statements < calls.length / 2, `${statements} statements for ${calls.length} inserts`);
  });

  it('fails only the row Postgres refuses, and inserts the rest of its group', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => order(3000 + i, i === 6 ? { symbol: 'TOO-LONG-SYMBOL' } : {}));
    const outcomes = await Promise.allSettled(rows.map((o) => insertIfAbsent(ds.manager, OrderEntity, o)));
    assert.deepEqual(
      outcomes.map((r) => r.status),
      rows.map((_, i) => (i === 6 ? 'rejected' : 'fulfilled')),
    );
    assert.match(String((outcomes[6] as PromiseRejectedResult).reason), /too long/);
    assert.equal(await ds.manager.countBy(OrderEntity, { clientOrderId: rows[6].clientOrderId }), 0);
    assert.equal(await ds.manager.countBy(OrderEntity, { clientOrderId: rows[7].clientOrderId }), 1);
  });

  it('writes the event of each row it inserted, and of no other, numbered 1 on its stream', async () => {
    queries.queries.length = 0;
    const fresh = Array.from({ length: 24 }, (_, i) => order(4000 + i));
    const again = fresh.slice(0, 6).map((o) => ({ ...o, id: order(5000 + fresh.indexOf(o)).id }));
    const answers = await Promise.all(
      [...fresh, ...again].map((o) => insertIfAbsent(ds.manager, OrderEntity, o, withEvent(o))),
    );
    assert.deepEqual(answers, [...fresh.map(() => true), ...again.map(() => false)]);
    assert.ok(grouped() < answers.length / 2, 'grouped');
    const outbox = await ds.manager.find(OutboxEventEntity, { order: { position: 'ASC' } });
    const mine = outbox.filter((e) => fresh.some((o) => e.stream === `order:${o.id}`));
    assert.equal(mine.length, fresh.length);
    assert.ok(mine.every((e) => e.seq === 1 && e.type === 'order.created'));
    assert.ok(!outbox.some((e) => again.some((o) => e.stream === `order:${o.id}`)), 'no event for a row not inserted');
    const byStream = new Map(mine.map((e) => [e.stream, e]));
    for (const o of fresh) {
      const e = byStream.get(`order:${o.id}`)!;
      assert.equal(e.commandKey, command(o).key);
      assert.deepEqual(JSON.parse(e.data), { order: o });
      assert.equal(e.traceparent, traceparentOf(o) ?? null, 'the traceparent of its command, or none');
    }
  });

  it("takes an emit's next number on the stream, and writes a repeated emit once", async () => {
    const o = order(6000);
    assert.equal(await insertIfAbsent(ds.manager, OrderEntity, o, withEvent(o)), true);
    const traceparent = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    const cancel: AppliedCommand = { type: 'order.cancel', key: `cancel/${o.id}`, entityId: o.id, traceparent };
    const cancelled = [{ stream: `order:${o.id}`, type: 'order.cancelled', data: { id: o.id } }];
    // Applied, then applied again (a replay after a crash): one event.
    for (let i = 0; i < 2; i++) await ds.transaction((m) => sink.record(m, cancel, cancelled));
    const other: AppliedCommand = { ...cancel, key: `note/${o.id}` };
    await ds.transaction((m) => sink.record(m, other, [{ stream: `order:${o.id}`, type: 'order.noted', data: {} }]));
    // The cancel again, now that it is not the stream's last event: still not written again.
    await ds.transaction((m) => sink.record(m, cancel, cancelled));
    const events = await ds.manager.find(OutboxEventEntity, {
      where: { stream: `order:${o.id}` },
      order: { position: 'ASC' },
    });
    assert.deepEqual(
      events.map((e) => [e.seq, e.type, e.traceparent]),
      [
        [1, 'order.created', traceparentOf(o) ?? null],
        [2, 'order.cancelled', traceparent],
        [3, 'order.noted', traceparent],
      ],
    );
  });

  it('a frozen primary: the rows behind a statement that timed out fail with it, none sent a statement of its own', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => order(7000 + i));
    // Connections ready first, so that the statements, not the connects, meet the freeze.
    await Promise.all(rows.slice(0, 2).map(() => ds.query('SELECT 1')));
    queries.queries.length = 0;
    cluster.freeze('primary');
    try {
      const outcomes = await Promise.allSettled(rows.map((o) => insertIfAbsent(ds.manager, OrderEntity, o)));
      assert.ok(
        outcomes.every((o) => o.status === 'rejected'),
        'each fails',
      );
      assert.ok(
        outcomes.every((o) => isTargetFailure((o as PromiseRejectedResult).reason)),
        'as a target failure',
      );
      assert.ok(grouped() <= 2, `${grouped()} statements: at most the two that were out`);
    } finally {
      cluster.freeze('primary', false);
    }
    assert.equal(await insertIfAbsent(ds.manager, OrderEntity, order(7100)), true, 'and on once it thaws');
  });
});
