import 'reflect-metadata';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { loadEnvironment, readKeyFile, readRawEnvironment } from '../../config/index.js';
import { databaseConfig } from '../database.config.js';

// For TypeORM's own CLI (`npm run typeorm -- migration:generate src/modules/x/migrations/Name`):
// the configured database, reached directly (the primary, or the SQLite file), with every
// compiled entity and migration. The service itself never uses this file.
const dist = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const config = loadEnvironment(readRawEnvironment(), { readFile: readKeyFile, configs: [databaseConfig] }).config(
  databaseConfig,
);
const files = {
  entities: [join(dist, '**', '*.entity.js')],
  migrations: [join(dist, '**', 'migrations', '*.js')],
};

export default config.primaryUrl
  ? new DataSource({ type: 'postgres', url: config.primaryUrl, ...files })
  : new DataSource({ type: 'better-sqlite3', database: config.sqlitePath, ...files });
