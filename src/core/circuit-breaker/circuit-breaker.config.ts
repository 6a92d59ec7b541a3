import { IsBoolean, IsIn, IsInt, IsJSON, IsNumber, Max, Min } from 'class-validator';
import { type ConfigRuleProblem, EnvVar, ToBoolean, ToInt, ToNumber, featureConfig } from '../config/index.js';
import { type BreakerOverride, breakerOverrideProblems } from './breaker-overrides.js';

/** Every breaker's defaults, and the settings of named breakers (CB_OVERRIDES). */
export class CircuitBreakerEnv {
  @EnvVar({ group: 'circuitBreaker', description: 'Failure rate that opens a breaker, percent', example: '50' })
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(100)
  CB_FAILURE_RATE_THRESHOLD = 50;

  @EnvVar({ group: 'circuitBreaker', description: 'Slow-call rate that opens a breaker, percent', example: '100' })
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(100)
  CB_SLOW_CALL_RATE_THRESHOLD = 100;

  @EnvVar({ group: 'circuitBreaker', description: 'A call slower than this is slow, ms', example: '2000' })
  @ToInt()
  @IsInt()
  @Min(1)
  CB_SLOW_CALL_DURATION_MS = 2000;

  @EnvVar({ group: 'circuitBreaker', description: 'Sliding window: count | time', example: 'count' })
  @IsIn(['count', 'time'])
  CB_WINDOW_TYPE: 'count' | 'time' = 'count';

  @EnvVar({ group: 'circuitBreaker', description: 'Window size: calls (count) or seconds (time)', example: '100' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  CB_WINDOW_SIZE = 100;

  @EnvVar({ group: 'circuitBreaker', description: 'Calls recorded before a breaker may open', example: '10' })
  @ToInt()
  @IsInt()
  @Min(1)
  CB_MINIMUM_CALLS = 10;

  @EnvVar({ group: 'circuitBreaker', description: 'Wait in OPEN before HALF_OPEN, ms', example: '10000' })
  @ToInt()
  @IsInt()
  @Min(1)
  CB_WAIT_IN_OPEN_MS = 10_000;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'Each consecutive open multiplies the wait by this (1 = fixed wait)',
    example: '1',
  })
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(10)
  CB_WAIT_BACKOFF_MULTIPLIER = 1;

  @EnvVar({ group: 'circuitBreaker', description: 'Longest wait in OPEN with backoff, ms', example: '300000' })
  @ToInt()
  @IsInt()
  @Min(1)
  CB_MAX_WAIT_IN_OPEN_MS = 300_000;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'An OPEN breaker fails readiness (default: only degrades health)',
    example: 'false',
  })
  @ToBoolean()
  @IsBoolean()
  CB_FAIL_READINESS_WHEN_OPEN = false;

  @EnvVar({ group: 'circuitBreaker', description: 'Trial calls permitted in HALF_OPEN', example: '3' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  CB_HALF_OPEN_CALLS = 3;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'Per-breaker overrides, JSON: {"name":{"windowSize":20}}',
    example: '{}',
  })
  @IsJSON()
  CB_OVERRIDES = '{}';
}

function overrideProblems(e: CircuitBreakerEnv): ConfigRuleProblem[] {
  let overrides: unknown;
  try {
    overrides = JSON.parse(e.CB_OVERRIDES);
  } catch {
    return []; // reported by @IsJSON
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    return [
      { variable: 'CB_OVERRIDES', rule: 'isObject', message: 'must be a JSON object of breaker name to settings' },
    ];
  return breakerOverrideProblems(overrides as Record<string, unknown>).map((message) => ({
    variable: 'CB_OVERRIDES',
    rule: 'breakerSettings',
    message,
  }));
}

export const circuitBreakerConfig = featureConfig(
  'circuitBreaker',
  CircuitBreakerEnv,
  (e) => ({
    defaults: {
      failureRateThreshold: e.CB_FAILURE_RATE_THRESHOLD,
      slowCallRateThreshold: e.CB_SLOW_CALL_RATE_THRESHOLD,
      slowCallDurationMs: e.CB_SLOW_CALL_DURATION_MS,
      windowType: e.CB_WINDOW_TYPE,
      windowSize: e.CB_WINDOW_SIZE,
      minimumCalls: e.CB_MINIMUM_CALLS,
      waitInOpenMs: e.CB_WAIT_IN_OPEN_MS,
      waitBackoffMultiplier: e.CB_WAIT_BACKOFF_MULTIPLIER,
      maxWaitInOpenMs: e.CB_MAX_WAIT_IN_OPEN_MS,
      halfOpenCalls: e.CB_HALF_OPEN_CALLS,
      failReadinessWhenOpen: e.CB_FAIL_READINESS_WHEN_OPEN,
    },
    overrides: JSON.parse(e.CB_OVERRIDES) as Record<string, BreakerOverride>,
  }),
  { rules: overrideProblems },
);
