import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** A consumer's inbox, stream positions and dead letters, for Postgres and SQLite. */
export class CreateEventInbox1733200000001 implements MigrationInterface {
  name = 'CreateEventInbox1733200000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'event_inbox',
        columns: [
          { name: 'consumer', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'applied_at', type: 'bigint' },
        ],
      }),
      true,
    );
    await runner.createTable(
      new Table({
        name: 'event_consumer_stream',
        columns: [
          { name: 'consumer', type: 'varchar', length: '64', isPrimary: true },
          { name: 'stream', type: 'varchar', length: '160', isPrimary: true },
          { name: 'last_seq', type: 'integer' },
        ],
      }),
      true,
    );
    await runner.createTable(
      new Table({
        name: 'event_dead_letter',
        columns: [
          { name: 'consumer', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'stream', type: 'varchar', length: '160' },
          { name: 'seq', type: 'integer' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'envelope', type: 'text' },
          { name: 'reason', type: 'text' },
          { name: 'dead_at', type: 'bigint' },
          { name: 'discarded_by', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
      true,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['event_dead_letter', 'event_consumer_stream', 'event_inbox']) await runner.dropTable(table);
  }
}
