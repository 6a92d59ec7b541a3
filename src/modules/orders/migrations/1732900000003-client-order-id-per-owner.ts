import { type MigrationInterface, type QueryRunner, TableIndex, TableUnique } from 'typeorm';

const COLUMN = 'client_order_id';

/**
 * The idempotency key becomes `(owner, clientOrderId)`: two owners may use the same clientOrderId,
 * and one owner cannot learn or squat another's keys. Existing rows keep their ids; no two of them
 * share a clientOrderId, so the new key holds for them.
 */
export class ClientOrderIdPerOwner1732900000003 implements MigrationInterface {
  name = 'ClientOrderIdPerOwner1732900000003';

  async up(runner: QueryRunner): Promise<void> {
    const table = await runner.getTable('orders');
    const unique = table?.uniques.find((u) => u.columnNames.length === 1 && u.columnNames[0] === COLUMN);
    if (unique) await runner.dropUniqueConstraint('orders', unique);
    const index = table?.indices.find((i) => i.isUnique && i.columnNames.length === 1 && i.columnNames[0] === COLUMN);
    if (index) await runner.dropIndex('orders', index);
    await runner.createIndex(
      'orders',
      new TableIndex({ name: 'orders_owner_client_order_id', columnNames: ['owner', COLUMN], isUnique: true }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('orders', 'orders_owner_client_order_id');
    await runner.createUniqueConstraint('orders', new TableUnique({ columnNames: [COLUMN] }));
  }
}
