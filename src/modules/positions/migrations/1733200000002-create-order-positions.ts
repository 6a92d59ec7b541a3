import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The positions projection: one row per owner and symbol. */
export class CreateOrderPositions1733200000002 implements MigrationInterface {
  name = 'CreateOrderPositions1733200000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'order_positions',
        columns: [
          { name: 'owner', type: 'varchar', length: '128', isPrimary: true },
          { name: 'symbol', type: 'varchar', length: '12', isPrimary: true },
          { name: 'open_buy', type: 'decimal', precision: 38, scale: 8 },
          { name: 'open_sell', type: 'decimal', precision: 38, scale: 8 },
          { name: 'open_orders', type: 'integer' },
        ],
      }),
      true,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('order_positions');
  }
}
