export { DatabaseModule, type DatabaseFeatureOptions } from './database.module.js';
export { DatabaseService } from './database.service.js';
export { defineCommand } from './commands/declared-commands.js';
export { JournalRejection, isCommandRejection, isContention, isTargetFailure } from './database.errors.js';
export { NoTargetError } from './typeorm/target-router.js';
export { PostgresNotifications } from './postgres/pg-notifications.js';
export { IsStorableText, isStorableText } from './storable-text.validator.js';
export { insertIfAbsent } from './typeorm/insert-if-absent.js';
export { CommandEventSink } from './database.types.js';
export type {
  AppliedCommand,
  CommandEvents,
  CommandHandler,
  EventDraft,
  GroupedEvent,
  GroupedEvents,
  InsertEvents,
  Statement,
  DatabaseMode,
  DatabaseStatus,
  JournalEntry,
  JournalLookup,
  ReadSpec,
  TargetView,
  WriteOptions,
  WriteResult,
} from './database.types.js';
export {
  runDatabaseCli,
  DATABASE_CLI_COMMANDS,
  type AppBuilder,
  type CliIo,
  type DatabaseCliCommand,
} from './cli/database-cli.js';
export { withDetachedApp } from './cli/cli-app.js';
export { deadLetterArgs, type DeadLetterArgs } from './cli/dead-letter-args.js';
export { databaseConfig, DatabaseEnv } from './database.config.js';
