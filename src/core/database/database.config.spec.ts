import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { databaseConfig } from './database.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [databaseConfig] }).config(databaseConfig);

describe('database config', () => {
  it('runs on SQLite alone outside production, and needs a Postgres primary in production', () => {
    assert.equal(load({}).primaryUrl, undefined);
    assert.equal(load({}).sqlitePath, './data/app.sqlite');
    assert.throws(
      () => load({ NODE_ENV: 'production' }),
      (error: unknown) =>
        error instanceof ConfigValidationError &&
        /DB_PRIMARY_URL=\(unset\): production needs a Postgres primary/.test(error.message),
    );
  });

  it('takes only postgres URLs, and reads the replicas as a list', () => {
    assert.throws(() => load({ DB_PRIMARY_URL: 'mysql://x/y' }), ConfigValidationError);
    assert.deepEqual(load({ DB_REPLICA_URLS: 'postgres://a/x, postgres://b/y' }).replicaUrls, [
      'postgres://a/x',
      'postgres://b/y',
    ]);
  });
});
