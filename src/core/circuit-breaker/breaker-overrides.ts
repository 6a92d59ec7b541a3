import { plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  Max,
  Min,
  ValidateBy,
  validateSync,
} from 'class-validator';

const ERROR_CLASSES = ['timeout', 'connection', 'rate-limited', 'upstream-5xx', 'caller-4xx', 'validation', 'unknown'];
const SEVERITIES = ['ignore', 'record', 'critical'];

const IsSeverityMap = () =>
  ValidateBy({
    name: 'isSeverityMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(
          ([cls, severity]) => ERROR_CLASSES.includes(cls) && SEVERITIES.includes(String(severity)),
        ),
      defaultMessage: () =>
        `severity must map error classes (${ERROR_CLASSES.join(', ')}) to ${SEVERITIES.join(' | ')}`,
    },
  });

/** Per-breaker settings accepted in CB_OVERRIDES, validated at boot like every other variable. */
export class BreakerOverride {
  @IsOptional()
  @IsIn(['count', 'time'])
  windowType?: 'count' | 'time';

  @IsOptional()
  @IsInt()
  @Min(1)
  windowSize?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  minimumCalls?: number;

  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(100)
  failureRateThreshold?: number;

  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(100)
  slowCallRateThreshold?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  slowCallDurationMs?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  waitInOpenMs?: number;

  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(10)
  waitBackoffMultiplier?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  maxWaitInOpenMs?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  halfOpenCalls?: number;

  @IsOptional()
  @IsBoolean()
  failReadinessWhenOpen?: boolean;

  @IsOptional()
  @IsSeverityMap()
  severity?: Record<string, 'ignore' | 'record' | 'critical'>;
}

/** Every problem of CB_OVERRIDES, as "name.setting ..." lines; unknown settings are refused. */
export function breakerOverrideProblems(overrides: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, settings] of Object.entries(overrides)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      problems.push(`${name} must be an object of settings`);
      continue;
    }
    const errors = validateSync(plainToInstance(BreakerOverride, settings), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    for (const error of errors) {
      for (const message of Object.values(error.constraints ?? {})) problems.push(`${name}.${message}`);
    }
  }
  return problems;
}
