import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from './database.config.js';
import { DATABASE_TARGETS } from './database.constants.js';
import { DatabaseState } from './database.state.js';
import { FailoverMode } from './failover-mode.js';
import { Journal } from './journal/journal.js';
import { PgTarget } from './postgres/pg-target.js';
import { PostgresNotifications } from './postgres/pg-notifications.js';
import { PostgresTargets } from './postgres/postgres-targets.js';
import { TargetMonitor } from './postgres/target-monitor.js';
import { SchemaMigrator } from './typeorm/schema.migrator.js';

type DatabaseConfig = ConfigType<typeof databaseConfig>;

/** The edges of the database layer, each made by a provider so a test can swap it. */
export const databaseProviders: Provider[] = [
  {
    provide: DATABASE_TARGETS,
    inject: [databaseConfig.KEY],
    useFactory: (config: DatabaseConfig): PgTarget[] => {
      const urls = config.primaryUrl ? [config.primaryUrl, ...config.replicaUrls] : [];
      return urls.map(
        (url, i) =>
          new PgTarget({
            name: i === 0 ? 'primary' : `replica.${i}`,
            url,
            poolMax: config.poolMax,
            connectTimeoutMs: config.connectTimeoutMs,
            queryTimeoutMs: config.queryTimeoutMs,
            statementTimeoutMs: config.statementTimeoutMs,
            probeTimeoutMs: config.probeTimeoutMs,
            insertGroupRows: config.insertGroupRows,
          }),
      );
    },
  },
  {
    provide: TargetMonitor,
    inject: [databaseConfig.KEY, DATABASE_TARGETS, Journal],
    // The journal file remembers the highest timeline seen, so a restarted instance still fences an old primary.
    useFactory: (config: DatabaseConfig, targets: PgTarget[], journal: Journal) =>
      new TargetMonitor(targets, config.probeIntervalMs, config.replicaMaxLagMs, journal),
  },
  { provide: SchemaMigrator, useFactory: () => new SchemaMigrator() },
  {
    provide: PostgresTargets,
    inject: [databaseConfig.KEY, TargetMonitor, SchemaMigrator],
    useFactory: (config: DatabaseConfig, monitor: TargetMonitor, schema: SchemaMigrator) =>
      new PostgresTargets(monitor, schema, Math.max(1, Math.ceil(config.probeIntervalMs / 1000))),
  },
  {
    provide: FailoverMode,
    inject: [PostgresTargets],
    useFactory: (targets: PostgresTargets) => new FailoverMode(targets.configured ? 'fallback' : 'embedded'),
  },
  {
    provide: DatabaseState,
    inject: [FailoverMode, PostgresTargets, Journal],
    useFactory: (mode: FailoverMode, targets: PostgresTargets, journal: Journal) =>
      new DatabaseState(mode, targets, journal),
  },
  {
    provide: Journal,
    inject: [databaseConfig.KEY],
    useFactory: (config: DatabaseConfig) =>
      new Journal(config.sqlitePath, {
        disk: { minFreeBytes: config.journalMinFreeBytes, reserveBytes: config.journalReserveBytes },
      }),
  },
];

/** LISTEN/NOTIFY on the writer, for what the instances of a fleet tell each other. */
export const notificationsProvider: Provider = {
  provide: PostgresNotifications,
  inject: [databaseConfig.KEY, PostgresTargets],
  useFactory: (config: DatabaseConfig, targets: PostgresTargets) =>
    new PostgresNotifications(targets, config.queryTimeoutMs),
};
