import { hash } from 'node:crypto';
import {
  type DataSource,
  type EntityManager,
  type EntityMetadata,
  type EntityTarget,
  type ObjectLiteral,
  QueryFailedError,
  type QueryRunner,
} from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { InsertEvents } from '../database.types.js';

/** A parameterized INSERT for one entity, built once from TypeORM's metadata and driver. */
interface InsertStatement {
  sql: string;
  columns: ColumnMetadata[];
}

// Per entity: its statement, or null when the query builder must build each insert (see below).
const statements = new WeakMap<EntityMetadata, InsertStatement | null>();

/**
 * Inserts `values` unless a row with the same unique key exists (ON CONFLICT DO NOTHING on
 * Postgres, INSERT OR IGNORE on SQLite); true when this call inserted it. The building block of an
 * idempotent command: on false, read the existing row and decide whether it is the same write.
 *
 * The statement is built once per entity from TypeORM's metadata (table and column names escaped
 * by the driver, the driver's parameter placeholders) and each insert only prepares its values
 * with the driver's `preparePersistentValue` (transformers included), as the query builder does,
 * without its per-insert cost (docs/adr/0007-insert-if-absent-statement.md). Entities whose insert
 * the query builder shapes itself (generated, date, version or tree columns, relations,
 * embeddeds) and calls that leave a column out still go through it.
 * TypeORM's InsertResult drops the affected-row count, so the statement is run directly.
 *
 * `events` (a command's `events.onInsert(...)`) are written only if the row is inserted: on
 * Postgres in the same statement (no transaction needed), on SQLite right after it, in the
 * command's transaction.
 */
export async function insertIfAbsent<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  values: QueryDeepPartialEntity<E>,
  events?: InsertEvents,
): Promise<boolean> {
  const statement = statementFor(manager.connection, entity);
  const row = statement && prepare(manager.connection, statement, values);
  const [sql, parameters] = row
    ? [statement.sql, row]
    : manager.createQueryBuilder().insert().into(entity).values(values).orIgnore().getQueryAndParameters();
  const fused = events?.sink.fuse({ sql, parameters }, events.command, events.events);
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner('master');
  try {
    // Ours (a statement built here, possibly with its events) runs prepared; the query builder's, as TypeORM runs it.
    if (fused) {
      const { rows } = await prepared(runner, fused.sql, fused.parameters);
      return Number((rows[0] as { inserted?: number } | undefined)?.inserted) === 1;
    }
    if (events && !runner.isTransactionActive)
      throw new Error(
        'insertIfAbsent with events outside a transaction: this store cannot write both in one statement',
      );
    const inserted = (await affected(runner, sql, parameters, Boolean(row))) === 1;
    if (inserted && events) await events.sink.record(manager, events.command, events.events);
    return inserted;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** The affected rows of `sql`: as a named prepared statement on Postgres when it is one of ours. */
async function affected(runner: QueryRunner, sql: string, parameters: unknown[], ours: boolean): Promise<number> {
  if (ours && runner.connection.driver.options.type === 'postgres')
    return (await prepared(runner, sql, parameters)).rowCount ?? 0;
  return (await runner.query(sql, parameters, true)).affected ?? 0;
}

interface PgClient {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Runs `sql` as a named prepared statement on the runner's own pg connection: Postgres parses and
 * plans it once per connection instead of on every insert, most of an insert's cost here
 * (docs/adr/0007-insert-if-absent-statement.md). Failures are TypeORM's QueryFailedError, as from
 * `runner.query`.
 */
async function prepared(runner: QueryRunner, sql: string, parameters: unknown[]) {
  const client = (await runner.connect()) as PgClient;
  runner.connection.logger.logQuery(sql, parameters, runner);
  try {
    return await client.query({ name: statementName(sql), text: sql, values: parameters });
  } catch (error) {
    runner.connection.logger.logQueryError(error as Error, sql, parameters, runner);
    throw new QueryFailedError(sql, parameters, error as Error);
  }
}

const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `tsc_${hash('sha256', sql).slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * The values in column order, or undefined when one is missing or a raw SQL function: the query
 * builder decides what goes there (DEFAULT, the column default, the expression).
 */
function prepare(connection: DataSource, statement: InsertStatement, values: ObjectLiteral): unknown[] | undefined {
  const parameters: unknown[] = [];
  for (const column of statement.columns) {
    const raw: unknown = column.getEntityValue(values);
    if (raw === undefined || typeof raw === 'function') return undefined;
    const value: unknown = connection.driver.preparePersistentValue(raw, column);
    if (value === undefined || typeof value === 'function') return undefined;
    parameters.push(value);
  }
  return parameters;
}

function statementFor(connection: DataSource, entity: EntityTarget<ObjectLiteral>): InsertStatement | null {
  const metadata = connection.getMetadata(entity);
  let statement = statements.get(metadata);
  if (statement === undefined) {
    statement = build(connection, metadata);
    statements.set(metadata, statement);
  }
  return statement;
}

function build(connection: DataSource, metadata: EntityMetadata): InsertStatement | null {
  const type = connection.driver.options.type;
  if (type !== 'postgres' && type !== 'better-sqlite3') return null;
  const shapedByBuilder =
    metadata.relations.length > 0 ||
    metadata.embeddeds.length > 0 ||
    metadata.columns.some(
      (c) =>
        c.isGenerated ||
        c.isCreateDate ||
        c.isUpdateDate ||
        c.isDeleteDate ||
        c.isVersion ||
        c.isDiscriminator ||
        c.isTreeLevel ||
        c.isVirtual ||
        c.isVirtualProperty ||
        c.isNestedSetLeft ||
        c.isNestedSetRight ||
        c.isMaterializedPath ||
        c.isObjectId ||
        !c.isInsert ||
        c.isArray ||
        connection.driver.spatialTypes.includes(c.type),
    );
  if (shapedByBuilder) return null;
  const driver = connection.driver;
  const columns = [...metadata.columns];
  const table = metadata.tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
  const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
  const placeholders = columns.map((_, i) => driver.createParameter(`p${i}`, i)).join(', ');
  const sql =
    type === 'postgres'
      ? `INSERT INTO ${table} (${names}) VALUES (${placeholders}) ON CONFLICT DO NOTHING`
      : `INSERT OR IGNORE INTO ${table} (${names}) VALUES (${placeholders})`;
  return { sql, columns };
}
