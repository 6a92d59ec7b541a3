import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/** Orders belong to the subject that created them; those made before authentication to `anonymous`. */
export class AddOrderOwner1732900000002 implements MigrationInterface {
  name = 'AddOrderOwner1732900000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn(
      'orders',
      new TableColumn({ name: 'owner', type: 'varchar', length: '128', default: "'anonymous'" }),
    );
    await runner.createIndex(
      'orders',
      new TableIndex({ name: 'orders_owner_created', columnNames: ['owner', 'created_at', 'id'] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('orders', 'orders_owner_created');
    await runner.dropColumn('orders', 'owner');
  }
}
