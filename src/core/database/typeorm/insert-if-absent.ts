import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';

/**
 * Inserts `values` unless a row with the same unique key exists (ON CONFLICT DO NOTHING on
 * Postgres, INSERT OR IGNORE on SQLite); true when this call inserted it. The building block of an
 * idempotent command: on false, read the existing row and decide whether it is the same write.
 * TypeORM's InsertResult drops the affected-row count, so the built statement is run directly.
 */
export async function insertIfAbsent<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  values: QueryDeepPartialEntity<E>,
): Promise<boolean> {
  const [sql, parameters] = manager
    .createQueryBuilder()
    .insert()
    .into(entity)
    .values(values)
    .orIgnore()
    .getQueryAndParameters();
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner('master');
  try {
    const result = await runner.query(sql, parameters, true);
    return result.affected === 1;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
