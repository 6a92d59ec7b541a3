import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

const INDEX = new TableIndex({ name: 'event_inbox_applied', columnNames: ['consumer', 'applied_at'] });

/** The inbox by age, for the pruning of rows older than EVENTS_INBOX_RETENTION_MS (Postgres and SQLite). */
export class InboxAppliedIndex1733500000000 implements MigrationInterface {
  name = 'InboxAppliedIndex1733500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createIndex('event_inbox', INDEX);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('event_inbox', INDEX.name!);
  }
}
