/** Per-breaker settings accepted in CB_OVERRIDES, checked at boot like every other variable. */
export interface BreakerOverride {
  windowType?: 'count' | 'time';
  windowSize?: number;
  minimumCalls?: number;
  failureRateThreshold?: number;
  slowCallRateThreshold?: number;
  slowCallDurationMs?: number;
  waitInOpenMs?: number;
  waitBackoffMultiplier?: number;
  maxWaitInOpenMs?: number;
  halfOpenCalls?: number;
  failReadinessWhenOpen?: boolean;
  severity?: Record<string, 'ignore' | 'record' | 'critical'>;
}

const POSITIVE_INTEGER = ['windowSize', 'minimumCalls', 'slowCallDurationMs', 'waitInOpenMs', 'maxWaitInOpenMs', 'halfOpenCalls'];
const PERCENT = ['failureRateThreshold', 'slowCallRateThreshold'];
const ERROR_CLASSES = ['timeout', 'connection', 'rate-limited', 'upstream-5xx', 'caller-4xx', 'validation', 'unknown'];
const SEVERITIES = ['ignore', 'record', 'critical'];

function checkSetting(key: string, value: unknown): string | undefined {
  if (POSITIVE_INTEGER.includes(key)) return Number.isInteger(value) && (value as number) >= 1 ? undefined : 'a whole number >= 1';
  if (PERCENT.includes(key)) return typeof value === 'number' && value > 0 && value <= 100 ? undefined : 'a percentage in (0, 100]';
  if (key === 'waitBackoffMultiplier') return typeof value === 'number' && value >= 1 && value <= 10 ? undefined : 'a number in [1, 10]';
  if (key === 'windowType') return value === 'count' || value === 'time' ? undefined : '"count" or "time"';
  if (key === 'failReadinessWhenOpen') return typeof value === 'boolean' ? undefined : 'true or false';
  if (key === 'severity') {
    if (typeof value !== 'object' || value === null) return 'an object of error class to severity';
    const bad = Object.entries(value).find(([cls, sev]) => !ERROR_CLASSES.includes(cls) || !SEVERITIES.includes(String(sev)));
    return bad ? `error classes (${ERROR_CLASSES.join(', ')}) mapped to ${SEVERITIES.join(' | ')}; got ${bad[0]}: ${String(bad[1])}` : undefined;
  }
  return 'one of the known settings (see README)';
}

/** Every problem of CB_OVERRIDES, as "name.key must be ..." lines. */
export function breakerOverrideProblems(overrides: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, settings] of Object.entries(overrides)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      problems.push(`${name} must be an object of settings`);
      continue;
    }
    for (const [key, value] of Object.entries(settings)) {
      const expected = checkSetting(key, value);
      if (expected) problems.push(`${name}.${key} must be ${expected}`);
    }
  }
  return problems;
}
