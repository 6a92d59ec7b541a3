import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The orders table, written once for Postgres and SQLite through TypeORM's schema API. */
export class CreateOrders1732900000000 implements MigrationInterface {
  name = 'CreateOrders1732900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'orders',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'client_order_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'symbol', type: 'varchar', length: '12' },
          { name: 'side', type: 'varchar', length: '4' },
          { name: 'type', type: 'varchar', length: '6' },
          { name: 'quantity', type: 'decimal', precision: 28, scale: 8 },
          { name: 'limit_price', type: 'decimal', precision: 28, scale: 8, isNullable: true },
          { name: 'status', type: 'varchar', length: '9' },
          { name: 'created_at', type: 'varchar', length: '24' },
        ],
        checks: [
          { name: 'orders_side', expression: `"side" IN ('buy', 'sell')` },
          { name: 'orders_type', expression: `"type" IN ('market', 'limit')` },
          { name: 'orders_quantity', expression: `"quantity" > 0` },
          { name: 'orders_limit_price', expression: `"limit_price" IS NULL OR "limit_price" > 0` },
        ],
      }),
      true,
    );
    await runner.createIndex('orders', new TableIndex({ name: 'orders_created', columnNames: ['created_at', 'id'] }));
    await runner.createIndex(
      'orders',
      new TableIndex({ name: 'orders_symbol_created', columnNames: ['symbol', 'created_at', 'id'] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('orders');
  }
}
