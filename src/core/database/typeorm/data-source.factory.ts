import type { ConfigType } from '@nestjs/config';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { databaseConfig } from '../database.config.js';
import { MigrationStorage } from './migration.storage.js';
import { ROUTE_URLS, routedPgDriver } from './routed-pg-driver.js';
import { TypeOrmNestLogger } from './typeorm.logger.js';
import type { TargetRouter } from './target-router.js';

type DatabaseConfig = ConfigType<typeof databaseConfig>;

const COMMON = {
  autoLoadEntities: true,
  synchronize: false,
  // Boot never retries: the DataSource below never needs a server to initialise.
  retryAttempts: 0,
  logger: new TypeOrmNestLogger(),
} as const;

/**
 * The TypeORM options for the configured database. With Postgres, the DataSource's pools are
 * routes (writer, reader) over the project's targets rather than servers; without it, the same
 * entities run on SQLite through TypeORM's better-sqlite3 driver (TypeORM 1.x has no `sqlite3` driver).
 */
export function typeOrmOptions(config: DatabaseConfig, router: TargetRouter): TypeOrmModuleOptions {
  const migrations = MigrationStorage.all();
  if (!config.primaryUrl) {
    return {
      ...COMMON,
      type: 'better-sqlite3',
      database: config.sqlitePath,
      migrations,
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
      },
    };
  }
  return {
    ...COMMON,
    type: 'postgres',
    driver: routedPgDriver(router, pg),
    replication: { master: { url: ROUTE_URLS.writer }, slaves: [{ url: ROUTE_URLS.reader }] },
    installExtensions: false,
    migrations,
    migrationsTransactionMode: 'each',
    applicationName: 'trading-service-core',
  };
}

/**
 * Builds and initialises the DataSource without waiting on any server: on Postgres the facts
 * TypeORM would ask the server at connect time are given up front (the version is corrected by
 * the first migration run), and the routed pools hand out a placeholder while it initialises.
 */
export async function createDataSource(options?: DataSourceOptions): Promise<DataSource> {
  if (!options) throw new Error('TypeORM options are required');
  const dataSource = new DataSource(options);
  if (options.type === 'postgres') {
    const driver = dataSource.driver as PostgresDriver;
    driver.version = '12.0';
    driver.database = 'routed';
    driver.searchSchema = 'public';
    driver.schema ??= 'public';
    await dataSource.initialize();
    (options.driver as { booting: boolean }).booting = false;
  } else {
    await dataSource.initialize();
  }
  return dataSource;
}
