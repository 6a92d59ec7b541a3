import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { EnvVar, ToInt, featureConfig } from '../config/index.js';

/** Health checks, and the token that unlocks their details and the operator endpoints. */
export class HealthEnv {
  @EnvVar({
    group: 'health',
    description: 'Bearer token that unlocks health details and operator endpoints',
    secret: 'secret',
    example: 'change-me-to-a-long-random-token',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  HEALTH_DETAILS_TOKEN?: string;

  @EnvVar({ group: 'health', description: 'Timeout of each health check, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  HEALTH_CHECK_TIMEOUT_MS = 1000;

  @EnvVar({ group: 'health', description: 'Readiness results are reused for this long, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  HEALTH_CACHE_TTL_MS = 1000;

  @EnvVar({ group: 'health', description: 'Event-loop stall that fails liveness, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(600_000)
  HEALTH_EVENT_LOOP_STALL_MS = 5000;
}

export const healthConfig = featureConfig(
  'health',
  HealthEnv,
  (e) => ({
    detailsToken: e.HEALTH_DETAILS_TOKEN,
    checkTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
    cacheTtlMs: e.HEALTH_CACHE_TTL_MS,
    eventLoopStallMs: e.HEALTH_EVENT_LOOP_STALL_MS,
  }),
  {
    rules: (e, { profile }) =>
      profile.isProduction && !e.HEALTH_DETAILS_TOKEN
        ? [
            {
              variable: 'HEALTH_DETAILS_TOKEN',
              rule: 'production',
              message: 'production needs a token to protect health details and operator endpoints',
            },
          ]
        : [],
  },
);
