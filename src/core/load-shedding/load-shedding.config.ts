import { ArrayMaxSize, IsBoolean, IsInt, IsString, Max, Min } from 'class-validator';
import { EnvVar, ToBoolean, ToInt, ToList, featureConfig } from '../config/index.js';

/** The adaptive concurrency limit's variables (see docs/overload.md). */
export class LoadSheddingEnv {
  @EnvVar({
    group: 'loadShedding',
    description: 'Shed requests past an adaptive concurrency limit with 503 + Retry-After (see docs/overload.md)',
    example: 'true',
  })
  @ToBoolean()
  @IsBoolean()
  LOAD_SHEDDING_ENABLED = true;

  @EnvVar({ group: 'loadShedding', description: 'Lowest concurrency limit, requests in flight', example: '8' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOAD_SHEDDING_MIN_LIMIT = 8;

  @EnvVar({ group: 'loadShedding', description: 'Highest concurrency limit, requests in flight', example: '256' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOAD_SHEDDING_MAX_LIMIT = 256;

  @EnvVar({
    group: 'loadShedding',
    description: 'Concurrency limit at boot, before any latency is known',
    example: '64',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOAD_SHEDDING_INITIAL_LIMIT = 64;

  @EnvVar({ group: 'loadShedding', description: 'Retry-After of a shed request, seconds', example: '1' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  LOAD_SHEDDING_RETRY_AFTER_S = 1;

  @EnvVar({
    group: 'loadShedding',
    description: 'Route templates never shed, besides probes, /metrics, /docs, /admin and cancels; comma separated',
    example: '',
    hint: '/positions/:id/close',
  })
  @ToList()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  LOAD_SHEDDING_NEVER_SHED_ROUTES: string[] = [];
}

export const loadSheddingConfig = featureConfig('loadShedding', LoadSheddingEnv, (e) => ({
  enabled: e.LOAD_SHEDDING_ENABLED,
  // A minimum above the maximum is read as the maximum: the limit never leaves [min, max].
  minLimit: Math.min(e.LOAD_SHEDDING_MIN_LIMIT, e.LOAD_SHEDDING_MAX_LIMIT),
  maxLimit: e.LOAD_SHEDDING_MAX_LIMIT,
  initialLimit: e.LOAD_SHEDDING_INITIAL_LIMIT,
  retryAfterSeconds: e.LOAD_SHEDDING_RETRY_AFTER_S,
  neverShedRoutes: e.LOAD_SHEDDING_NEVER_SHED_ROUTES,
}));
