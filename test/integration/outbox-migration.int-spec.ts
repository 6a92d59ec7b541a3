import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { CreateEventOutbox1733200000000 } from '../../src/core/events/migrations/1733200000000-create-event-outbox.js';
import { OutboxPendingOnly1733300000000 } from '../../src/core/events/migrations/1733300000000-outbox-pending-only.js';
import { OutboxTraceparent1733400000000 } from '../../src/core/events/migrations/1733400000000-outbox-traceparent.js';
import { join } from 'node:path';
import { PostgresCluster } from '../harness/postgres.js';
import { makeTempDir, removeDir } from '../harness/system.js';

const ROW = "'s', 1, 'order.created', 'k', '2026-12-03T00:00:00.000000Z', '{}'";

/** An outbox of the first schema, one row waiting and a later one relayed, taken through the migration. */
async function migrates(options: DataSourceOptions, p: (n: number) => string): Promise<void> {
  const ds = new DataSource({ ...options, migrations: [CreateEventOutbox1733200000000], migrationsRun: false });
  await ds.initialize();
  try {
    await ds.runMigrations();
    await ds.query(`INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, published_at)
      VALUES ('waiting-1', ${ROW}, NULL), ('sent-1', ${ROW}, 1764720000000)`);
    await ds.query('INSERT INTO event_stream (stream, last_seq) VALUES (' + p(1) + ', 1)', ['s']);
    ds.setOptions({ migrations: [CreateEventOutbox1733200000000, OutboxPendingOnly1733300000000] });
    await ds.destroy();
    await ds.initialize();
    await ds.runMigrations();
    assert.deepEqual(
      (await ds.query('SELECT id FROM event_outbox')).map((r: { id: string }) => r.id),
      ['waiting-1'],
      'the waiting row stays',
    );
    const sent = (await ds.query('SELECT id, published_at FROM event_outbox_sent')) as {
      id: string;
      published_at: unknown;
    }[];
    assert.deepEqual(
      sent.map((r) => [r.id, Number(r.published_at)]),
      [['sent-1', 1764720000000]],
      'the relayed row kept as sent',
    );
    assert.deepEqual(
      ((await ds.query('SELECT id FROM event_emitted ORDER BY id')) as { id: string }[]).map((r) => r.id),
      ['sent-1', 'waiting-1'],
      'a repeat of an event written before is still caught',
    );
    // A new event takes a position past every one given before (SQLite copied the table to drop a column).
    await ds.query(
      `INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data) VALUES ('new-1', ${ROW})`,
    );
    const positions = (await ds.query(
      "SELECT position FROM event_outbox_sent UNION ALL SELECT position FROM event_outbox WHERE id <> 'new-1'",
    )) as { position: string | number }[];
    const newest = (await ds.query("SELECT position FROM event_outbox WHERE id = 'new-1'")) as {
      position: string | number;
    }[];
    assert.ok(
      positions.every((p) => Number(p.position) < Number(newest[0].position)),
      `new-1 at ${newest[0].position}, after ${positions.map((p) => p.position).join(',')}`,
    );
    await ds.query("DELETE FROM event_outbox WHERE id = 'new-1'");
    // The outbox is left with its primary key as its one index.
    const outbox = ds.createQueryRunner();
    const table = await outbox.getTable('event_outbox');
    await outbox.release();
    assert.deepEqual(
      table?.indices.map((i) => i.name),
      [],
    );
    assert.equal(table?.findColumnByName('published_at'), undefined);
    await ds.undoLastMigration();
    assert.equal((await ds.query('SELECT count(*) AS n FROM event_outbox'))[0].n == 2, true, 'down brings both back');
  } finally {
    await ds.destroy();
  }
}

/** The traceparent column added in place: the rows kept (with none), positions going on, the down dropping it. */
async function addsTraceparent(options: DataSourceOptions): Promise<void> {
  const before = [CreateEventOutbox1733200000000, OutboxPendingOnly1733300000000];
  const ds = new DataSource({ ...options, migrations: before, migrationsRun: false });
  await ds.initialize();
  try {
    await ds.runMigrations();
    await ds.query(`INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data)
      VALUES ('waiting-1', ${ROW})`);
    await ds.query(`INSERT INTO event_outbox_sent (position, id, stream, seq, type, command_key, occurred_at, data, published_at)
      VALUES (100, 'sent-1', ${ROW}, 1764720000000)`);
    ds.setOptions({ migrations: [...before, OutboxTraceparent1733400000000] });
    await ds.destroy();
    await ds.initialize();
    await ds.runMigrations();
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    await ds.query(
      `INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data, traceparent)
       VALUES ('new-1', ${ROW}, '${traceparent}')`,
    );
    const rows = (await ds.query(
      'SELECT id, position, traceparent FROM event_outbox UNION ALL SELECT id, position, traceparent FROM event_outbox_sent',
    )) as { id: string; position: string | number; traceparent: string | null }[];
    const by = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(rows.map((r) => [r.id, r.traceparent]).sort(), [
      ['new-1', traceparent],
      ['sent-1', null],
      ['waiting-1', null],
    ]);
    assert.ok(Number(by.get('new-1')!.position) > Number(by.get('waiting-1')!.position), 'positions go on');
    await ds.undoLastMigration();
    const runner = ds.createQueryRunner();
    for (const name of ['event_outbox', 'event_outbox_sent'])
      assert.equal((await runner.getTable(name))?.findColumnByName('traceparent'), undefined, `${name}: down drops it`);
    await runner.release();
    assert.equal((await ds.query('SELECT count(*) AS n FROM event_outbox'))[0].n == 2, true, 'the rows stay');
  } finally {
    await ds.destroy();
  }
}

describe('the outbox traceparent migration', () => {
  let cluster: PostgresCluster | undefined;
  const dir = makeTempDir('outbox-traceparent');
  after(async () => {
    await cluster?.destroy();
    removeDir(dir);
  });

  it('adds the column in place on SQLite, and the down drops it', () =>
    addsTraceparent({ type: 'better-sqlite3', database: join(dir, 'app.sqlite') }));

  it('does the same on Postgres', async () => {
    cluster = await PostgresCluster.start({ replica: false });
    await addsTraceparent({ type: 'postgres', url: cluster.primary.url });
  });
});

describe('the outbox migration to waiting rows only', () => {
  let cluster: PostgresCluster | undefined;
  const dir = makeTempDir('outbox-migration');
  after(async () => {
    await cluster?.destroy();
    removeDir(dir);
  });

  it('keeps waiting rows, moves relayed ones to event_outbox_sent, and drops the indexes on SQLite', () =>
    migrates({ type: 'better-sqlite3', database: join(dir, 'app.sqlite') }, () => '?'));

  it('does the same on Postgres', async () => {
    cluster = await PostgresCluster.start({ replica: false });
    await migrates({ type: 'postgres', url: cluster.primary.url }, (n) => `$${n}`);
  });
});
