import type { MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/**
 * Migrations contributed by feature modules through `DatabaseModule.forFeature({ migrations })`,
 * collected when the modules are declared, before the DataSource is built: the counterpart of
 * `@nestjs/typeorm`'s `autoLoadEntities` for migrations.
 */
export class MigrationStorage {
  private static readonly migrations = new Set<MigrationClass>();

  static add(migrations: readonly MigrationClass[]): void {
    for (const migration of migrations) this.migrations.add(migration);
  }

  static all(): MigrationClass[] {
    return [...this.migrations];
  }
}
