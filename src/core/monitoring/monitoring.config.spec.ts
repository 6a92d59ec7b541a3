import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { monitoringConfig } from './monitoring.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [monitoringConfig] }).config(monitoringConfig);

describe('monitoring config', () => {
  it('asks for the token on /metrics in production without a management port, unless told', () => {
    assert.equal(load({}).metricsTokenRequired, false);
    assert.equal(load({ NODE_ENV: 'production' }).metricsTokenRequired, true);
    assert.equal(load({ NODE_ENV: 'production', MANAGEMENT_PORT: '9000' }).metricsTokenRequired, false);
    assert.equal(load({ METRICS_TOKEN_REQUIRED: 'true' }).metricsTokenRequired, true);
  });

  it('refuses a MANAGEMENT_PORT equal to PORT, a rule against the app config', () => {
    assert.throws(
      () => load({ PORT: '8080', MANAGEMENT_PORT: '8080' }),
      (error: unknown) =>
        error instanceof ConfigValidationError &&
        /MANAGEMENT_PORT="8080": must differ from PORT \[distinct\]/.test(error.message),
    );
    assert.equal(load({ PORT: '8080', MANAGEMENT_PORT: '9000' }).managementPort, 9000);
  });
});
