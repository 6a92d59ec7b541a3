import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig } from './database.config.js';
import { ErrorTranslators } from '../common/index.js';
import { HealthModule } from '../health/index.js';
import { translateDatabaseError } from './database.errors.js';
import { DatabaseHealth } from './database.health.js';
import { DatabaseMetrics } from './database.metrics.js';
import { databaseProviders, notificationsProvider } from './database.providers.js';
import { DatabaseService } from './database.service.js';
import { createDataSource, typeOrmOptions } from './typeorm/data-source.factory.js';
import { type MigrationClass, MigrationStorage } from './typeorm/migration.storage.js';
import { PostgresTargets } from './postgres/postgres-targets.js';
import { PostgresNotifications } from './postgres/pg-notifications.js';
import { DeclaredCommands } from './commands/declared-commands.js';
import { CommandApplier } from './commands/command-applier.js';
import { CommandBus } from './commands/command-bus.js';
import { ReadRouter } from './reads/read-router.js';
import { ReplayScheduler } from './replay/replay-scheduler.js';
import { WriterDiscovery } from './postgres/writer-discovery.js';
import type { CommandHandler } from './database.types.js';

/** Targets, monitor, router and journal: what the DataSource and the service are built on. */
@Module({
  providers: databaseProviders,
  exports: databaseProviders,
})
class DatabaseCoreModule {}

/** What `DatabaseModule.forFeature()` returns: DatabaseModule, re-exported. */
@Module({})
class DatabaseFeatureModule {}

export interface DatabaseFeatureOptions {
  /** TypeORM migration classes; run at boot on SQLite, on each new writer under a lock on Postgres. */
  migrations?: readonly MigrationClass[];
  /**
   * The module's commands (`defineCommand(...)`): what it passes to `DatabaseService.write`, and
   * what the replay applies. A journal holding a type no module of the app declares fails boot.
   */
  commands?: readonly CommandHandler<never, unknown>[];
}

/**
 * The TypeORM DataSource (the standard `@nestjs/typeorm` tokens, entities auto-loaded from every
 * `TypeOrmModule.forFeature`) over Postgres targets with failover, or over SQLite with no
 * `DB_PRIMARY_URL`; and DatabaseService for writes that must never be lost.
 */
@Module({
  imports: [
    ConfigModule.forFeature(databaseConfig),
    HealthModule,
    DiscoveryModule,
    DatabaseCoreModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseCoreModule],
      inject: [databaseConfig.KEY, PostgresTargets],
      useFactory: (config: ConfigType<typeof databaseConfig>, targets: PostgresTargets) =>
        typeOrmOptions(config, targets.router),
      dataSourceFactory: createDataSource,
    }),
  ],
  providers: [
    DatabaseService,
    CommandApplier,
    CommandBus,
    ReadRouter,
    ReplayScheduler,
    WriterDiscovery,
    DatabaseMetrics,
    DatabaseHealth,
    notificationsProvider,
  ],
  exports: [DatabaseService, PostgresNotifications],
})
export class DatabaseModule {
  constructor(translators: ErrorTranslators, database: DatabaseService) {
    // A team's plain repository call then answers like our own code when the database fails it.
    translators.add(translateDatabaseError(database.retryAfterSeconds));
  }

  /** Imports DatabaseModule and contributes a feature's migrations and commands. */
  static forFeature(options: DatabaseFeatureOptions = {}): DynamicModule {
    MigrationStorage.add(options.migrations ?? []);
    return {
      module: DatabaseFeatureModule,
      imports: [DatabaseModule],
      providers: [{ provide: DeclaredCommands, useValue: new DeclaredCommands(options.commands ?? []) }],
      exports: [DatabaseModule],
    };
  }
}
