import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

const EVENT_COLUMNS = 'position, id, stream, seq, type, command_key, occurred_at, data';

/**
 * The outbox holds waiting events only, under its primary key alone: every index is a cost on
 * every order. The unique event id went (the broker and the consumers' inbox de-duplicate on it;
 * a repeated emit is caught by `event_emitted`, which only emits write), and so did
 * the partial indexes that told waiting rows from relayed ones: relayed rows kept for retention
 * move to `event_outbox_sent`.
 */
export class OutboxPendingOnly1733300000000 implements MigrationInterface {
  name = 'OutboxPendingOnly1733300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'event_outbox_sent',
        columns: [
          { name: 'position', type: 'bigint', isPrimary: true },
          { name: 'id', type: 'varchar', length: '40' },
          { name: 'stream', type: 'varchar', length: '160' },
          { name: 'seq', type: 'integer' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'command_key', type: 'text' },
          { name: 'occurred_at', type: 'varchar', length: '27' },
          { name: 'data', type: 'text' },
          { name: 'published_at', type: 'bigint' },
        ],
      }),
      true,
    );
    await runner.query(
      `INSERT INTO event_outbox_sent (${EVENT_COLUMNS}, published_at)
       SELECT ${EVENT_COLUMNS}, published_at FROM event_outbox WHERE published_at IS NOT NULL`,
    );
    await runner.query('DELETE FROM event_outbox WHERE published_at IS NOT NULL');
    for (const index of ['event_outbox_id', 'event_outbox_pending', 'event_outbox_published'])
      await runner.dropIndex('event_outbox', index);
    // SQLite drops a column by copying the table, and its AUTOINCREMENT counter with it: the
    // counter is set back past every position given, or a new event would take a relayed one's.
    const sqlite = runner.connection.driver.options.type === 'better-sqlite3';
    const [{ top }] = (await runner.query(
      'SELECT max(position) AS top FROM (SELECT position FROM event_outbox UNION ALL SELECT position FROM event_outbox_sent) AS given',
    )) as { top: number | string | null }[];
    const given = sqlite
      ? Number(
          ((await runner.query("SELECT seq FROM sqlite_sequence WHERE name = 'event_outbox'")) as { seq: number }[])[0]
            ?.seq ?? 0,
        )
      : 0;
    await runner.dropColumn('event_outbox', 'published_at');
    if (sqlite) {
      const next = Math.max(given, Number(top ?? 0));
      await runner.query("DELETE FROM sqlite_sequence WHERE name = 'event_outbox'");
      await runner.query("INSERT INTO sqlite_sequence (name, seq) VALUES ('event_outbox', ?)", [next]);
    }
    await runner.createTable(
      new Table({ name: 'event_emitted', columns: [{ name: 'id', type: 'varchar', length: '40', isPrimary: true }] }),
      true,
    );
    // Emitted events the outbox still holds: a repeat of one of them is caught as before.
    await runner.query(
      'INSERT INTO event_emitted (id) SELECT id FROM event_outbox UNION SELECT id FROM event_outbox_sent',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('event_emitted');
    await runner.addColumn('event_outbox', new TableColumn({ name: 'published_at', type: 'bigint', isNullable: true }));
    await runner.createIndex(
      'event_outbox',
      new TableIndex({ name: 'event_outbox_id', columnNames: ['id'], isUnique: true }),
    );
    await runner.createIndex(
      'event_outbox',
      new TableIndex({ name: 'event_outbox_pending', columnNames: ['position'], where: 'published_at IS NULL' }),
    );
    await runner.createIndex(
      'event_outbox',
      new TableIndex({
        name: 'event_outbox_published',
        columnNames: ['published_at'],
        where: 'published_at IS NOT NULL',
      }),
    );
    await runner.query(
      `INSERT INTO event_outbox (${EVENT_COLUMNS}, published_at) SELECT ${EVENT_COLUMNS}, published_at FROM event_outbox_sent`,
    );
    await runner.dropTable('event_outbox_sent');
  }
}
