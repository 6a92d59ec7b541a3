import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { DEFAULT_TUNING } from './breaker-tuning.js';
import { circuitBreakerConfig } from './circuit-breaker.config.js';
import { DEFAULT_BREAKER_SETTINGS } from './circuit-breaker.types.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [circuitBreakerConfig] }).config(circuitBreakerConfig);

function problems(raw: RawEnvironment): ConfigValidationError {
  try {
    load(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error;
  }
  assert.fail('accepted');
}

describe('circuit breaker settings: one shape for CB_*, CB_OVERRIDES and BreakerSettings', () => {
  it('gives every breaker the tuning defaults when no CB_* is set', () => {
    const { defaults } = load({});
    const { severity: _none, ...tuning } = DEFAULT_TUNING;
    assert.deepEqual(defaults, tuning);
    for (const [setting, value] of Object.entries(defaults))
      if (setting !== 'failReadinessWhenOpen')
        assert.equal(DEFAULT_BREAKER_SETTINGS[setting as keyof typeof DEFAULT_BREAKER_SETTINGS], value, setting);
  });

  it('reads each CB_* into its setting', () => {
    const { defaults } = load({ CB_WINDOW_SIZE: '20', CB_WINDOW_TYPE: 'time', CB_FAIL_READINESS_WHEN_OPEN: 'true' });
    assert.equal(defaults.windowSize, 20);
    assert.equal(defaults.windowType, 'time');
    assert.equal(defaults.failReadinessWhenOpen, true);
  });

  it('checks CB_* and CB_OVERRIDES entries by the same rules, naming the variable', () => {
    const env = problems({ CB_WINDOW_SIZE: '0', CB_HALF_OPEN_CALLS: 'abc', CB_WINDOW_TYPE: 'sliding' });
    assert.deepEqual(env.variables.sort(), ['CB_HALF_OPEN_CALLS', 'CB_WINDOW_SIZE', 'CB_WINDOW_TYPE']);
    assert.match(env.message, /CB_WINDOW_SIZE="0": must not be less than 1 \[min\]/);
    assert.match(env.message, /CB_HALF_OPEN_CALLS="abc": must be an integer number \[isInt\]/);
    const override = problems({ CB_OVERRIDES: '{"upstream":{"windowSize":0,"halfOpenCalls":5000}}' });
    assert.deepEqual(
      override.problems.map((p) => p.message),
      ['upstream.windowSize must not be less than 1', 'upstream.halfOpenCalls must not be greater than 1000'],
    );
  });

  it('requires CB_OVERRIDES to be a JSON object of known settings', () => {
    assert.deepEqual(problems({ CB_OVERRIDES: '[1]' }).variables, ['CB_OVERRIDES']);
    assert.deepEqual(problems({ CB_OVERRIDES: '{oops' }).variables, ['CB_OVERRIDES']);
    const bad = problems({
      CB_OVERRIDES: '{"upstream":{"windowSize":0,"colour":"red","severity":{"timeout":"panic"}},"x":3}',
    });
    assert.deepEqual(
      bad.problems.map((p) => p.message),
      [
        'upstream.property colour should not exist',
        'upstream.windowSize must not be less than 1',
        'upstream.severity must map error classes (timeout, connection, rate-limited, upstream-5xx, caller-4xx, validation, unknown) to ignore | record | critical',
        'x must be an object of settings',
      ],
    );
    assert.deepEqual(load({ CB_OVERRIDES: '{"upstream":{"windowSize":20}}' }).overrides, {
      upstream: { windowSize: 20 },
    });
  });
});
