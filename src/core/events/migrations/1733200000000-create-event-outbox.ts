import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The outbox and its stream counters, for Postgres and SQLite through TypeORM's schema API. No
 * unique (stream, seq): the counter row, taken by each event and held to its commit, numbers a
 * stream; an index per event is a cost on every order.
 */
export class CreateEventOutbox1733200000000 implements MigrationInterface {
  name = 'CreateEventOutbox1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    const sqlite = runner.connection.driver.options.type === 'better-sqlite3';
    await runner.createTable(
      new Table({
        name: 'event_outbox',
        columns: [
          // SQLite's rowid alias must be INTEGER PRIMARY KEY to be generated.
          {
            name: 'position',
            type: sqlite ? 'integer' : 'bigint',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'id', type: 'varchar', length: '40' },
          { name: 'stream', type: 'varchar', length: '160' },
          { name: 'seq', type: 'integer' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'command_key', type: 'text' },
          { name: 'occurred_at', type: 'varchar', length: '27' },
          { name: 'data', type: 'text' },
          { name: 'published_at', type: 'bigint', isNullable: true },
        ],
      }),
      true,
    );
    await runner.createIndex(
      'event_outbox',
      new TableIndex({ name: 'event_outbox_id', columnNames: ['id'], isUnique: true }),
    );
    // The relay's scan: only rows still waiting, in position order.
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
    await runner.createTable(
      new Table({
        name: 'event_stream',
        columns: [
          { name: 'stream', type: 'varchar', length: '160', isPrimary: true },
          { name: 'last_seq', type: 'integer' },
        ],
      }),
      true,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('event_stream');
    await runner.dropTable('event_outbox');
  }
}
