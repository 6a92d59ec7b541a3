import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { eventsMigrations } from '../../src/core/events/migrations/index.js';
import { RELAY_ROUND_SQL } from '../../src/core/events/relay/outbox-relay.js';
import { PostgresCluster } from '../harness/postgres.js';

/** The plan of the relay's read of the waiting rows, in a transaction, after `first`. */
async function planOfPending(ds: DataSource, first?: string): Promise<string> {
  return ds.transaction(async (m) => {
    // A planner that finds reading pages at random dear, as one with stale statistics on a
    // swollen table does: without more, it reads the outbox by a sequential scan and a sort.
    await m.query('SET LOCAL random_page_cost = 1000');
    if (first) await m.query(first);
    const rows = (await m.query(`EXPLAIN ${RELAY_ROUND_SQL.pending}`, [500])) as { 'QUERY PLAN': string }[];
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('the relay read of the outbox on a real Postgres', () => {
  let cluster: PostgresCluster;
  let ds: DataSource;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    ds = new DataSource({ type: 'postgres', url: cluster.primary.url, migrations: eventsMigrations });
    await ds.initialize();
    await ds.runMigrations();
    // A queue as autovacuum leaves it under load: it last counted a few live rows on many pages
    // (relayed rows gone, newer ones waiting at the end), so the planner expects a few rows.
    await ds.query(`INSERT INTO event_outbox (id, stream, seq, type, command_key, occurred_at, data)
      SELECT 'e' || g, 's:' || g, 1, 't', 'k' || g, '2026-12-06T00:00:00.000000Z', repeat('x', 400)
      FROM generate_series(1, 20000) g`);
    await ds.query(`DELETE FROM event_outbox WHERE position <= (SELECT max(position) - 100 FROM event_outbox)`);
    await ds.query('VACUUM ANALYZE event_outbox');
  });
  after(async () => {
    await ds?.destroy();
    await cluster?.destroy();
  });

  it('walks the primary key from its head after the round takes its lock, not every page of the table', async () => {
    assert.match(await planOfPending(ds), /Seq Scan on event_outbox/, 'the planner left to itself scans the table');
    const plan = await planOfPending(ds, RELAY_ROUND_SQL.lock);
    assert.match(plan, /Index Scan using \S+ on event_outbox/, plan);
    assert.doesNotMatch(plan, /Seq Scan|Sort/, plan);
  });

  it('leaves the planner as it was once the round is over', async () => {
    await planOfPending(ds, RELAY_ROUND_SQL.lock);
    assert.match(await planOfPending(ds), /Seq Scan on event_outbox/);
  });
});
