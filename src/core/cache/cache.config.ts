import { ArrayMaxSize, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  type ConfigRuleProblem,
  EnvVar,
  IsHostPort,
  IsServiceUrl,
  ToInt,
  ToList,
  featureConfig,
} from '../config/index.js';

/** The cache's variables: where Redis is, and how the memory tier stands in for it. */
export class CacheEnv {
  @EnvVar({
    group: 'cache',
    description: 'Standalone Redis, redis:// or rediss://; unset (and no sentinels) = memory',
    secret: 'url',
    example: '',
    hint: 'redis://:change-me@127.0.0.1:6379',
  })
  @IsOptional()
  @IsServiceUrl(['redis', 'rediss'])
  REDIS_URL?: string;

  @EnvVar({
    group: 'cache',
    description: 'Sentinels, comma separated host:port',
    example: '',
    hint: '127.0.0.1:26379,127.0.0.1:26380',
  })
  @ToList()
  @ArrayMaxSize(16)
  @IsHostPort({ each: true })
  REDIS_SENTINELS: string[] = [];

  @EnvVar({ group: 'cache', description: 'Master name monitored by the sentinels', example: '', hint: 'mymaster' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  REDIS_SENTINEL_MASTER?: string;

  @EnvVar({ group: 'cache', description: 'Password of the sentinels', secret: 'secret', example: '' })
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @EnvVar({
    group: 'cache',
    description: 'Password of the Redis data nodes behind Sentinel',
    secret: 'secret',
    example: '',
  })
  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @EnvVar({ group: 'cache', description: 'Upper bound of any cache operation, ms', example: '50' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  CACHE_OP_TIMEOUT_MS = 50;

  @EnvVar({ group: 'cache', description: 'Entries of the in-memory tier (LRU)', example: '10000' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  CACHE_MEMORY_MAX_ENTRIES = 10_000;

  @EnvVar({ group: 'cache', description: 'Prefix of every cache key', example: 'tsc' })
  @Matches(/^[A-Za-z0-9._-]{1,32}$/)
  CACHE_KEY_PREFIX = 'tsc';

  @EnvVar({ group: 'cache', description: 'Default TTL, ms', example: '60000' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(30 * 86_400_000)
  CACHE_DEFAULT_TTL_MS = 60_000;

  @EnvVar({
    group: 'cache',
    description:
      'Longest life of an entry in the memory tier (used while Redis is out of reach): how long another instance may serve a value this one changed',
    example: '1000',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(60_000)
  CACHE_FALLBACK_TTL_MS = 1000;

  @EnvVar({
    group: 'cache',
    description:
      'Failover window, ms: a connected Redis is left for memory only after its failure rate stayed at or above CACHE_FAILOVER_FAILURE_RATE for this long (a closed connection switches at once)',
    example: '1000',
  })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600_000)
  CACHE_FAILOVER_WINDOW_MS = 1000;

  @EnvVar({
    group: 'cache',
    description:
      'Share of the Redis operations in the failover window that failed or timed out, percent, that counts as failing',
    example: '50',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  CACHE_FAILOVER_FAILURE_RATE = 50;

  @EnvVar({
    group: 'cache',
    description: 'Fewest Redis operations in the failover window for its failure rate to count',
    example: '10',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CACHE_FAILOVER_MIN_CALLS = 10;
}

function parseHostPort(entry: string): { host: string; port: number } {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
}

function cacheRules(e: CacheEnv): ConfigRuleProblem[] {
  const problems: ConfigRuleProblem[] = [];
  if (e.REDIS_URL && e.REDIS_SENTINELS.length > 0)
    problems.push({
      variable: 'REDIS_SENTINELS',
      rule: 'exclusive',
      message: 'set REDIS_URL or REDIS_SENTINELS, not both',
    });
  if (e.REDIS_SENTINELS.length > 0 && !e.REDIS_SENTINEL_MASTER)
    problems.push({
      variable: 'REDIS_SENTINEL_MASTER',
      rule: 'required',
      message: 'must be set when REDIS_SENTINELS is set',
    });
  return problems;
}

export const cacheConfig = featureConfig(
  'cache',
  CacheEnv,
  (e) => ({
    redisUrl: e.REDIS_URL,
    sentinels: e.REDIS_SENTINELS.map(parseHostPort),
    sentinelMaster: e.REDIS_SENTINEL_MASTER,
    sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    redisPassword: e.REDIS_PASSWORD,
    opTimeoutMs: e.CACHE_OP_TIMEOUT_MS,
    memoryMaxEntries: e.CACHE_MEMORY_MAX_ENTRIES,
    keyPrefix: e.CACHE_KEY_PREFIX,
    defaultTtlMs: e.CACHE_DEFAULT_TTL_MS,
    fallbackTtlMs: e.CACHE_FALLBACK_TTL_MS,
    failover: {
      windowMs: e.CACHE_FAILOVER_WINDOW_MS,
      failureRatePercent: e.CACHE_FAILOVER_FAILURE_RATE,
      minCalls: e.CACHE_FAILOVER_MIN_CALLS,
    },
  }),
  { rules: cacheRules },
);
