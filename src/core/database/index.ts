export { DatabaseModule } from './database.module.js';
export { DatabaseService } from './database.service.js';
export { JournalRejection, isCommandRejection, isTargetFailure } from './database.errors.js';
export type { CommandHandler, DatabaseMode, JournalEntry, JournalLookup, Migration, Queryable, ReadSpec, SqliteDatabase, WriteCommand, WriteResult } from './database.types.js';
