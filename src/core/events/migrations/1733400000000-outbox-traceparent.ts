import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['event_outbox', 'event_outbox_sent'];

/**
 * Each event keeps the W3C `traceparent` of the command that wrote it (null with tracing off),
 * which the relay sends as a message header. Added in place on both stores (SQLite's own ALTER
 * TABLE, not a copy of the table, which would take the outbox's AUTOINCREMENT counter with it).
 */
export class OutboxTraceparent1733400000000 implements MigrationInterface {
  name = 'OutboxTraceparent1733400000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of TABLES) await runner.query(`ALTER TABLE ${table} ADD COLUMN traceparent varchar(55)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of TABLES) await runner.query(`ALTER TABLE ${table} DROP COLUMN traceparent`);
  }
}
