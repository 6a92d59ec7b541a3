import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, Max, Min, ValidateBy, validateSync } from 'class-validator';
import { DEFAULT_SEVERITY, type ErrorClass, type Severity } from './error-classification.js';

const ERROR_CLASSES = Object.keys(DEFAULT_SEVERITY);
const SEVERITIES: readonly Severity[] = ['ignore', 'record', 'critical'];

const IsSeverityMap = () =>
  ValidateBy({
    name: 'isSeverityMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(
          ([cls, severity]) => ERROR_CLASSES.includes(cls) && SEVERITIES.includes(severity as Severity),
        ),
      defaultMessage: () =>
        `severity must map error classes (${ERROR_CLASSES.join(', ')}) to ${SEVERITIES.join(' | ')}`,
    },
  });

/**
 * What an operator tunes on a breaker, with its default and its bounds: the one shape of the CB_*
 * defaults, of each CB_OVERRIDES entry and of BreakerSettings (which adds what only code sets),
 * validated by the same rules wherever the values come from.
 */
export class BreakerTuning {
  @IsIn(['count', 'time'])
  windowType: 'count' | 'time' = 'count';

  /** Calls (count window) or seconds (time window). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  windowSize = 100;

  /** Calls in the window before the rates may open the breaker. */
  @IsInt()
  @Min(1)
  minimumCalls = 10;

  /** Percent of failed calls that opens the breaker. */
  @IsNumber()
  @Min(1)
  @Max(100)
  failureRateThreshold = 50;

  /** Percent of slow calls that opens the breaker. */
  @IsNumber()
  @Min(1)
  @Max(100)
  slowCallRateThreshold = 100;

  @IsInt()
  @Min(1)
  slowCallDurationMs = 2000;

  @IsInt()
  @Min(1)
  waitInOpenMs = 10_000;

  /** Each consecutive open multiplies the wait by this (1 = no backoff), up to maxWaitInOpenMs. */
  @IsNumber()
  @Min(1)
  @Max(10)
  waitBackoffMultiplier = 1;

  @IsInt()
  @Min(1)
  maxWaitInOpenMs = 300_000;

  /** Trial calls let through in HALF_OPEN. */
  @IsInt()
  @Min(1)
  @Max(1000)
  halfOpenCalls = 3;

  /** An OPEN breaker fails readiness instead of only degrading health (the registry reads it). */
  @IsBoolean()
  failReadinessWhenOpen = false;

  /** How each class of error counts, over DEFAULT_SEVERITY. */
  @IsSeverityMap()
  severity: Partial<Record<ErrorClass, Severity>> = {};
}

/** The tuning's defaults, as one plain object. */
export const DEFAULT_TUNING: Readonly<BreakerTuning> = Object.freeze({ ...new BreakerTuning() });

/** Each problem of one tuning as [setting, rule, message]; `partial`: unset settings pass, unknown ones fail. */
export function tuningProblems(values: object, partial: boolean): Array<[string, string, string]> {
  const errors = validateSync(plainToInstance(BreakerTuning, values), {
    whitelist: partial,
    forbidNonWhitelisted: partial,
    skipMissingProperties: partial,
  });
  return errors.flatMap((error) =>
    Object.entries(error.constraints ?? {}).map(([rule, message]): [string, string, string] => [
      error.property,
      rule,
      message,
    ]),
  );
}

/** Every problem of CB_OVERRIDES, as "name.setting ..." lines; unknown settings are refused. */
export function overrideProblems(overrides: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, settings] of Object.entries(overrides)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      problems.push(`${name} must be an object of settings`);
      continue;
    }
    for (const [, , message] of tuningProblems(settings, true)) problems.push(`${name}.${message}`);
  }
  return problems;
}
