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
import { isTargetFailure } from '../database.errors.js';
import type { PgTarget } from '../postgres/pg-target.js';
import type { GroupedEvent, InsertEvents } from '../database.types.js';
import { GroupCommit } from './group-commit.js';
import { type RoutedPoolView, routedWriterPool } from './routed-pg-driver.js';

/** A parameterized INSERT for one entity, built once from TypeORM's metadata and driver. */
interface InsertStatement {
  sql: string;
  columns: ColumnMetadata[];
  /** Postgres, when every column's value can travel as JSON: the grouped form (see below). */
  group?: GroupShape;
}

/** The grouped insert of an entity: its rows as one JSON array, read back by the table's row type. */
interface GroupShape {
  /** The statement, given the events' CTEs (or ''). */
  sql(ctes: string): string;
  /** Positions among `columns` of the primary key's columns, then of each unique constraint's. */
  keysAt: number[][];
}

interface GroupedRow {
  parameters: unknown[];
  events?: InsertEvents;
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
  // Outside a transaction on Postgres, concurrent inserts of the entity share a statement.
  const pool = row && statement.group && !manager.queryRunner ? routedWriterPool(manager.connection.driver) : undefined;
  if (pool && row && (!events || (events.events.length === 1 && events.sink.fusesGroups))) {
    const target = pool.target();
    if (target.options.insertGroupRows > 1)
      return groupFor(manager.connection, pool, target, statement).submit(
        { parameters: row, events },
        groupKeys(statement, row, events),
      );
  }
  const [sql, parameters] = row
    ? [statement.sql, row]
    : manager.createQueryBuilder().insert().into(entity).values(values).orIgnore().getQueryAndParameters();
  const fused = events?.sink.fuse({ sql, parameters }, events.command, events.events);
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner('master');
  try {
    // Ours (a statement built here, possibly with its events) runs prepared; the query builder's, as TypeORM runs it.
    if (fused) return await fusedInserted(runner, fused);
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

// Per target and entity statement: its group commit. Rows for two targets never share a statement.
const groups = new WeakMap<PgTarget, Map<InsertStatement, GroupCommit<GroupedRow, boolean>>>();
/** Statements out at once per target and entity; the rows that come meanwhile wait and go together. */
const GROUP_IN_FLIGHT = 2;
// SQLSTATE classes of a statement refused for what a row holds (cardinality, data, integrity): its
// group is tried again one row at a time, so only that row's command sees the refusal.
const ROW_REFUSALS = new Set(['21', '22', '23']);

function groupFor(connection: DataSource, pool: RoutedPoolView, target: PgTarget, statement: InsertStatement) {
  let byStatement = groups.get(target);
  if (!byStatement) groups.set(target, (byStatement = new Map()));
  let group = byStatement.get(statement);
  if (!group) {
    const run = (rows: GroupedRow[]) => pool.pin(target, () => runGroup(connection, statement, rows));
    // A statement lost with its target (timed out, connection gone): the rows behind it are each
    // command's to handle now (journal or 503), not after a statement of their own times out too.
    group = new GroupCommit(run, target.options.insertGroupRows, GROUP_IN_FLIGHT, lostWithTarget);
    byStatement.set(statement, group);
  }
  return group;
}

/**
 * The target is gone or frozen for the rows behind too: not a statement the server itself
 * cancelled (57014, statement_timeout: one row's lock wait, say), which says nothing of the next.
 */
function lostWithTarget(error: unknown): boolean {
  return isTargetFailure(error) && (error as { code?: unknown }).code !== STATEMENT_CANCELLED;
}
const STATEMENT_CANCELLED = '57014';

/**
 * A row's primary key, its unique keys and its event's stream: rows sharing one are never out at
 * once, so the first submitted is the one written, as it would be alone.
 */
function groupKeys(statement: InsertStatement, row: unknown[], events: InsertEvents | undefined): string[] {
  const keys = statement.group!.keysAt.map((at, k) => `${k}:${JSON.stringify(at.map((i) => row[i]))}`);
  if (events) keys.push(`stream:${events.events[0].stream}`);
  return keys;
}

/** Inserts `rows` in one statement: which were inserted. A row the statement refuses fails alone. */
async function runGroup(
  connection: DataSource,
  statement: InsertStatement,
  rows: GroupedRow[],
): Promise<PromiseSettledResult<boolean>[]> {
  const runner = connection.createQueryRunner('master');
  try {
    try {
      const inserted = await insertGroup(runner, statement, rows);
      return rows.map((_, i) => ({ status: 'fulfilled', value: inserted.has(i + 1) }));
    } catch (error) {
      const code = String((error as { driverError?: { code?: unknown } }).driverError?.code ?? '');
      if (rows.length === 1 || !ROW_REFUSALS.has(code.slice(0, 2))) throw error;
    }
    // One row at a time, each as it would go alone (ADR 0007's statement, its events fused in):
    // a row refused here is refused as it would be alone, with the same error.
    const outcomes: PromiseSettledResult<boolean>[] = [];
    for (const row of rows)
      outcomes.push(
        await insertOne(runner, statement, row).then(
          (inserted): PromiseSettledResult<boolean> => ({ status: 'fulfilled', value: inserted }),
          (reason: unknown): PromiseSettledResult<boolean> => ({ status: 'rejected', reason }),
        ),
      );
    return outcomes;
  } finally {
    await runner.release();
  }
}

/** One row in the single statement, its events fused in: true when it was inserted. */
async function insertOne(runner: QueryRunner, statement: InsertStatement, row: GroupedRow): Promise<boolean> {
  const insert = { sql: statement.sql, parameters: row.parameters };
  const fused = row.events && row.events.sink.fuse(insert, row.events.command, row.events.events);
  if (fused) return fusedInserted(runner, fused);
  if (row.events) throw new Error('the events sink cannot write an insert and its events in one statement');
  return ((await prepared(runner, insert.sql, insert.parameters)).rowCount ?? 0) === 1;
}

/** Runs an insert fused with its events (CommandEventSink.fuse): true when the row was inserted. */
async function fusedInserted(runner: QueryRunner, fused: { sql: string; parameters: unknown[] }): Promise<boolean> {
  const { rows } = await prepared(runner, fused.sql, fused.parameters);
  return Number((rows[0] as { inserted?: number } | undefined)?.inserted) === 1;
}

/** One grouped statement: the 1-based numbers of the rows it inserted (their events written with them). */
async function insertGroup(runner: QueryRunner, statement: InsertStatement, rows: GroupedRow[]): Promise<Set<number>> {
  const objects = rows.map((row) => {
    const object: Record<string, unknown> = {};
    statement.columns.forEach((c, i) => (object[c.databaseName] = row.parameters[i]));
    return object;
  });
  const parameters: unknown[] = [JSON.stringify(objects)];
  const withEvents: GroupedEvent[] = [];
  rows.forEach((row, i) => {
    if (row.events) withEvents.push({ n: i + 1, command: row.events.command, event: row.events.events[0] });
  });
  let ctes = '';
  if (withEvents.length > 0) {
    const fused = rows.find((r) => r.events)!.events!.sink.fuseGroup(withEvents, 2);
    if (!fused) throw new Error('the events sink said it writes grouped events (fusesGroups) and wrote none');
    ctes = fused.ctes;
    parameters.push(fused.parameter);
  }
  const { rows: done } = await prepared(runner, statement.group!.sql(ctes), parameters);
  return new Set((done as { n: number }[]).map((r) => Number(r.n)));
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
  const group = type === 'postgres' ? groupShape(connection, metadata, columns, table, names) : undefined;
  return { sql, columns, ...(group && { group }) };
}

// Column types whose prepared value JSON carries exactly and the row type reads back as it was
// (strings, numbers as text or JSON numbers, booleans). Dates, binary, JSON and arrays are not grouped.
const GROUPABLE_TYPES = new Set([
  'character varying',
  'varchar',
  'character',
  'char',
  'text',
  'uuid',
  'numeric',
  'decimal',
  'smallint',
  'integer',
  'int',
  'bigint',
  'real',
  'double precision',
  'boolean',
]);

/**
 * The grouped insert: the rows arrive as one JSON array read by the table's own row type
 * (`json_populate_recordset`, so each value gets its column's type), numbered by ORDINALITY;
 * `done` keeps the numbers of the rows the insert wrote (joined back on the primary key; of two
 * the database takes for one key, the first, which is the one it wrote), which the events' CTEs
 * follow and the statement answers. One text for any number of rows: prepared once.
 */
function groupShape(
  connection: DataSource,
  metadata: EntityMetadata,
  columns: ColumnMetadata[],
  table: string,
  names: string,
): GroupShape | undefined {
  const driver = connection.driver;
  const keyAt = metadata.primaryColumns.map((p) => columns.indexOf(p));
  const uniques = [
    ...metadata.uniques.map((u) => u.columns),
    ...metadata.indices.filter((i) => i.isUnique).map((i) => i.columns),
  ].map((cs) => cs.map((c) => columns.indexOf(c)));
  const groupable =
    keyAt.length > 0 &&
    !keyAt.includes(-1) &&
    !uniques.some((at) => at.includes(-1)) &&
    columns.every((c) => c.databaseName !== 'ordinality' && GROUPABLE_TYPES.has(driver.normalizeType(c)));
  if (!groupable) return undefined;
  const key = keyAt.map((i) => driver.escape(columns[i].databaseName)).join(', ');
  const head = `WITH r AS (SELECT * FROM json_populate_recordset(NULL::${table}, $1::json) WITH ORDINALITY),
ins AS (INSERT INTO ${table} (${names}) SELECT ${names} FROM r ORDER BY ordinality ON CONFLICT DO NOTHING RETURNING ${key}),
done AS (SELECT min(r.ordinality) AS n FROM r JOIN ins USING (${key}) GROUP BY ${key})`;
  const texts = new Map<string, string>();
  const sql = (ctes: string) => {
    let text = texts.get(ctes);
    if (text === undefined) texts.set(ctes, (text = `${head}${ctes}\nSELECT n::int AS n FROM done`));
    return text;
  };
  return { sql, keysAt: [keyAt, ...uniques] };
}
