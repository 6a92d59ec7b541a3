import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { authConfig } from './auth.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [authConfig] }).config(authConfig);

function rejected(raw: RawEnvironment): string[] {
  try {
    load(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.variables.sort();
  }
  assert.fail('accepted');
}

describe('auth config', () => {
  it('needs the issuer and audience with AUTH_MODE=jwt, the JWKS URL being discovered', () => {
    assert.deepEqual(rejected({ AUTH_MODE: 'jwt' }), ['AUTH_AUDIENCE', 'AUTH_ISSUER']);
    const jwt = load({ AUTH_MODE: 'jwt', AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'api' });
    assert.equal(jwt.jwksUrl, undefined);
  });

  it('refuses a bound on stale keys shorter than their refresh age', () => {
    assert.deepEqual(rejected({ AUTH_JWKS_REFRESH_MS: '60000', AUTH_JWKS_MAX_STALE_MS: '59000' }), [
      'AUTH_JWKS_MAX_STALE_MS',
    ]);
  });

  it('needs AUTH_MODE said in production, and takes none when it is', () => {
    assert.deepEqual(rejected({ NODE_ENV: 'production' }), ['AUTH_MODE']);
    const none = load({ NODE_ENV: 'production', AUTH_MODE: 'none' });
    assert.deepEqual([none.mode, none.explicit, none.isProduction], ['none', true, true]);
    assert.deepEqual([load({}).mode, load({}).explicit], ['none', false]);
  });
});
