import { IsJSON } from 'class-validator';
import { type ConfigRuleProblem, EnvVar, ToBoolean, ToInt, ToNumber, featureConfig } from '../config/index.js';
import { BreakerTuning, DEFAULT_TUNING, overrideProblems, tuningProblems } from './breaker-tuning.js';

/**
 * Every breaker's defaults, and the settings of named breakers (CB_OVERRIDES). Each CB_* variable
 * is one setting of BreakerTuning, and is checked by its rules (see circuitBreakerRules).
 */
export class CircuitBreakerEnv {
  @EnvVar({ group: 'circuitBreaker', description: 'Failure rate that opens a breaker, percent', example: '50' })
  @ToNumber()
  CB_FAILURE_RATE_THRESHOLD: BreakerTuning['failureRateThreshold'] = DEFAULT_TUNING.failureRateThreshold;

  @EnvVar({ group: 'circuitBreaker', description: 'Slow-call rate that opens a breaker, percent', example: '100' })
  @ToNumber()
  CB_SLOW_CALL_RATE_THRESHOLD: BreakerTuning['slowCallRateThreshold'] = DEFAULT_TUNING.slowCallRateThreshold;

  @EnvVar({ group: 'circuitBreaker', description: 'A call slower than this is slow, ms', example: '2000' })
  @ToInt()
  CB_SLOW_CALL_DURATION_MS: BreakerTuning['slowCallDurationMs'] = DEFAULT_TUNING.slowCallDurationMs;

  @EnvVar({ group: 'circuitBreaker', description: 'Sliding window: count | time', example: 'count' })
  CB_WINDOW_TYPE: BreakerTuning['windowType'] = DEFAULT_TUNING.windowType;

  @EnvVar({ group: 'circuitBreaker', description: 'Window size: calls (count) or seconds (time)', example: '100' })
  @ToInt()
  CB_WINDOW_SIZE: BreakerTuning['windowSize'] = DEFAULT_TUNING.windowSize;

  @EnvVar({ group: 'circuitBreaker', description: 'Calls recorded before a breaker may open', example: '10' })
  @ToInt()
  CB_MINIMUM_CALLS: BreakerTuning['minimumCalls'] = DEFAULT_TUNING.minimumCalls;

  @EnvVar({ group: 'circuitBreaker', description: 'Wait in OPEN before HALF_OPEN, ms', example: '10000' })
  @ToInt()
  CB_WAIT_IN_OPEN_MS: BreakerTuning['waitInOpenMs'] = DEFAULT_TUNING.waitInOpenMs;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'Each consecutive open multiplies the wait by this (1 = fixed wait)',
    example: '1',
  })
  @ToNumber()
  CB_WAIT_BACKOFF_MULTIPLIER: BreakerTuning['waitBackoffMultiplier'] = DEFAULT_TUNING.waitBackoffMultiplier;

  @EnvVar({ group: 'circuitBreaker', description: 'Longest wait in OPEN with backoff, ms', example: '300000' })
  @ToInt()
  CB_MAX_WAIT_IN_OPEN_MS: BreakerTuning['maxWaitInOpenMs'] = DEFAULT_TUNING.maxWaitInOpenMs;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'An OPEN breaker fails readiness (default: only degrades health)',
    example: 'false',
  })
  @ToBoolean()
  CB_FAIL_READINESS_WHEN_OPEN: BreakerTuning['failReadinessWhenOpen'] = DEFAULT_TUNING.failReadinessWhenOpen;

  @EnvVar({ group: 'circuitBreaker', description: 'Trial calls permitted in HALF_OPEN', example: '3' })
  @ToInt()
  CB_HALF_OPEN_CALLS: BreakerTuning['halfOpenCalls'] = DEFAULT_TUNING.halfOpenCalls;

  @EnvVar({
    group: 'circuitBreaker',
    description: 'Per-breaker overrides, JSON: {"name":{"windowSize":20}}',
    example: '{}',
  })
  @IsJSON()
  CB_OVERRIDES = '{}';
}

/** Each CB_* variable and the setting of BreakerTuning it gives every breaker by default. */
const SETTING_OF = {
  CB_FAILURE_RATE_THRESHOLD: 'failureRateThreshold',
  CB_SLOW_CALL_RATE_THRESHOLD: 'slowCallRateThreshold',
  CB_SLOW_CALL_DURATION_MS: 'slowCallDurationMs',
  CB_WINDOW_TYPE: 'windowType',
  CB_WINDOW_SIZE: 'windowSize',
  CB_MINIMUM_CALLS: 'minimumCalls',
  CB_WAIT_IN_OPEN_MS: 'waitInOpenMs',
  CB_WAIT_BACKOFF_MULTIPLIER: 'waitBackoffMultiplier',
  CB_MAX_WAIT_IN_OPEN_MS: 'maxWaitInOpenMs',
  CB_HALF_OPEN_CALLS: 'halfOpenCalls',
  CB_FAIL_READINESS_WHEN_OPEN: 'failReadinessWhenOpen',
} as const satisfies Record<keyof Omit<CircuitBreakerEnv, 'CB_OVERRIDES'>, keyof BreakerTuning>;

const VARIABLE_OF = Object.fromEntries(Object.entries(SETTING_OF).map(([variable, setting]) => [setting, variable]));

/** The defaults the CB_* variables give every breaker. */
function defaultsOf(e: CircuitBreakerEnv): Omit<BreakerTuning, 'severity'> {
  const entries = Object.entries(SETTING_OF).map(([variable, setting]) => [
    setting,
    e[variable as keyof typeof SETTING_OF],
  ]);
  return Object.fromEntries(entries) as Omit<BreakerTuning, 'severity'>;
}

/** The CB_* defaults checked by BreakerTuning's own rules, then CB_OVERRIDES entry by entry. */
function circuitBreakerRules(e: CircuitBreakerEnv): ConfigRuleProblem[] {
  const problems: ConfigRuleProblem[] = tuningProblems(defaultsOf(e), false).map(([setting, rule, message]) => ({
    variable: VARIABLE_OF[setting],
    rule,
    message: message.startsWith(`${setting} `) ? message.slice(setting.length + 1) : message,
  }));
  let overrides: unknown;
  try {
    overrides = JSON.parse(e.CB_OVERRIDES);
  } catch {
    return problems; // reported by @IsJSON
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    return [
      ...problems,
      { variable: 'CB_OVERRIDES', rule: 'isObject', message: 'must be a JSON object of breaker name to settings' },
    ];
  for (const message of overrideProblems(overrides as Record<string, unknown>))
    problems.push({ variable: 'CB_OVERRIDES', rule: 'breakerSettings', message });
  return problems;
}

export const circuitBreakerConfig = featureConfig(
  'circuitBreaker',
  CircuitBreakerEnv,
  (e) => ({
    defaults: defaultsOf(e),
    overrides: JSON.parse(e.CB_OVERRIDES) as Record<string, Partial<BreakerTuning>>,
  }),
  { rules: circuitBreakerRules },
);
