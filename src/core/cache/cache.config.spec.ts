import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { cacheConfig } from './cache.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [cacheConfig] }).config(cacheConfig);

function rejected(raw: RawEnvironment): string[] {
  try {
    load(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.variables;
  }
  assert.fail('accepted');
}

describe('cache config', () => {
  it('rejects an unparsable REDIS_URL and sentinels without a master name', () => {
    assert.deepEqual(rejected({ REDIS_URL: 'not a url' }), ['REDIS_URL']);
    assert.deepEqual(rejected({ REDIS_SENTINELS: '127.0.0.1:26379' }), ['REDIS_SENTINEL_MASTER']);
    assert.deepEqual(rejected({ REDIS_SENTINELS: 'nohost', REDIS_SENTINEL_MASTER: 'm' }), ['REDIS_SENTINELS']);
    assert.deepEqual(rejected({ REDIS_URL: 'redis://h:6379', REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_MASTER: 'm' }), [
      'REDIS_SENTINELS',
    ]);
  });

  it('parses sentinels into host and port', () => {
    assert.deepEqual(load({ REDIS_SENTINELS: '10.0.0.1:26379,s2.local:26380', REDIS_SENTINEL_MASTER: 'm' }).sentinels, [
      { host: '10.0.0.1', port: 26379 },
      { host: 's2.local', port: 26380 },
    ]);
  });
});
