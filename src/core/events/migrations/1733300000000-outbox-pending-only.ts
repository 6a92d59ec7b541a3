import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

const EVENT_COLUMNS = 'position, id, stream, seq, type, command_key, occurred_at, data';

/**
 * The outbox holds waiting events only, under its primary key alone: every index is a cost on
 * every order. The unique event id went (the broker and the consumers' inbox de-duplicate on it;
 * a repeated emit is caught by its stream's counter row, `event_stream.last_event_id`), and so did
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
    await runner.dropColumn('event_outbox', 'published_at');
    await runner.addColumn(
      'event_stream',
      new TableColumn({ name: 'last_event_id', type: 'varchar', length: '40', isNullable: true }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('event_stream', 'last_event_id');
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
