import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsJSON,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { EnvVar } from './env.metadata.js';
import { ToBoolean, ToInt, ToList, ToNumber, ToUpperList } from './env.transforms.js';
import { IsHostPort, IsServiceUrl } from './env.validators.js';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable the service reads, with its rule and default.
 * `.env.example` is checked against this class by a unit test.
 */
export class EnvironmentVariables {
  // ---- app
  @EnvVar({ group: 'app', description: 'Profile: development | test | production', example: 'development' })
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @EnvVar({ group: 'app', description: 'HTTP port', example: '3000' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @EnvVar({ group: 'app', description: 'Interface to listen on', example: '0.0.0.0' })
  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @EnvVar({ group: 'app', description: 'fatal | error | warn | log | debug | verbose', example: 'log' })
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  @EnvVar({ group: 'app', description: 'json | pretty (empty: json in production, pretty otherwise)', example: '' })
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @EnvVar({ group: 'app', description: 'Largest accepted request body, bytes', example: '1048576' })
  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  HTTP_BODY_LIMIT_BYTES = 1024 * 1024;

  @EnvVar({
    group: 'app',
    description: 'JSON bodies: deepest nesting accepted (400 beyond, before parsing)',
    example: '8',
  })
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(64)
  HTTP_JSON_MAX_DEPTH = 8;

  @EnvVar({ group: 'app', description: 'JSON bodies: most keys in one object', example: '64' })
  @ToInt()
  @IsInt()
  @Min(8)
  @Max(10_000)
  HTTP_JSON_MAX_KEYS = 64;

  @EnvVar({ group: 'app', description: 'JSON bodies: most elements in one array', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HTTP_JSON_MAX_ARRAY_LENGTH = 1000;

  @EnvVar({ group: 'app', description: 'JSON bodies: longest string, bytes', example: '4096' })
  @ToInt()
  @IsInt()
  @Min(64)
  @Max(16 * 1024 * 1024)
  HTTP_JSON_MAX_STRING_BYTES = 4096;

  @EnvVar({
    group: 'app',
    description:
      'Most open connections on the main port; also kept 64 under the process file limit (probes use the management port or get the room left)',
    example: '8192',
  })
  @ToInt()
  @IsInt()
  @Min(16)
  @Max(1_000_000)
  HTTP_MAX_CONNECTIONS = 8192;

  @EnvVar({
    group: 'app',
    description: 'Time a connection gets to send complete request headers, ms',
    example: '10000',
  })
  @ToInt()
  @IsInt()
  @Min(500)
  @Max(600_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  @EnvVar({ group: 'app', description: 'Time a request gets to arrive whole (headers and body), ms', example: '30000' })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  @EnvVar({
    group: 'app',
    description: 'Idle keep-alive connection closed after, ms (keep above the load balancer idle timeout)',
    example: '72000',
  })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @EnvVar({ group: 'app', description: 'On SIGTERM: time in-flight requests get to finish, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_DRAIN_MS = 5000;

  @EnvVar({
    group: 'app',
    description:
      'On SIGTERM: time the instance keeps serving with readiness at 503 before it stops taking requests, so a load balancer polling readiness takes it out first, ms (0 behind Kubernetes, whose preStop does this)',
    example: '0',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_DELAY_MS = 0;

  // ---- load shedding
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

  // ---- database
  @EnvVar({
    group: 'database',
    description: 'Postgres primary; unset = embedded SQLite',
    secret: 'url',
    example: '',
    hint: 'postgres://app:change-me@127.0.0.1:5432/trading',
  })
  @IsOptional()
  @IsServiceUrl(['postgres', 'postgresql'])
  DB_PRIMARY_URL?: string;

  @EnvVar({
    group: 'database',
    description: 'Read replicas, comma separated',
    secret: 'url',
    example: '',
    hint: 'postgres://app:change-me@127.0.0.1:5433/trading',
  })
  @ToList()
  @ArrayMaxSize(16)
  @IsServiceUrl(['postgres', 'postgresql'], { each: true })
  DB_REPLICA_URLS: string[] = [];

  @EnvVar({
    group: 'database',
    description: 'SQLite file: the database with no Postgres, the journal with one',
    example: './data/app.sqlite',
  })
  @IsString()
  @MinLength(1)
  DB_SQLITE_PATH = './data/app.sqlite';

  @EnvVar({ group: 'database', description: 'Connections per Postgres pool', example: '10' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_MAX = 10;

  @EnvVar({ group: 'database', description: 'Connect timeout, ms', example: '2000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 2000;

  @EnvVar({ group: 'database', description: 'Client-side query timeout, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600_000)
  DB_QUERY_TIMEOUT_MS = 5000;

  @EnvVar({ group: 'database', description: 'Server-side statement_timeout, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 5000;

  @EnvVar({ group: 'database', description: 'Replay lag above which a replica serves no reads, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DB_REPLICA_MAX_LAG_MS = 1000;

  @EnvVar({ group: 'database', description: 'Background probe interval per target, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  DB_PROBE_INTERVAL_MS = 1000;

  @EnvVar({ group: 'database', description: 'Probe timeout, ms', example: '500' })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  DB_PROBE_TIMEOUT_MS = 500;

  @EnvVar({
    group: 'database',
    description:
      'Replays of a journaled command that fails for a reason other than an outage (a data error, a bug) before it is dead-lettered',
    example: '5',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_REPLAY_MAX_ATTEMPTS = 5;

  @EnvVar({
    group: 'database',
    description:
      "Bytes kept free on the journal's volume: below it the journal counts as full and readiness fails while Postgres takes no writes",
    example: '16777216',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  DB_JOURNAL_MIN_FREE_BYTES = 16 * 1024 * 1024;

  @EnvVar({
    group: 'database',
    description:
      'Bytes set aside beside the journal (a file, <DB_SQLITE_PATH>.reserve) and given back when the volume is full, so a replay can settle what it applied',
    example: '8388608',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  DB_JOURNAL_RESERVE_BYTES = 8 * 1024 * 1024;

  // ---- cache
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

  // ---- influx
  @EnvVar({
    group: 'influx',
    description: 'InfluxDB base URL; unset = push off',
    secret: 'url',
    example: '',
    hint: 'http://127.0.0.1:8086',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  INFLUX_URL?: string;

  @EnvVar({ group: 'influx', description: 'Database (bucket) written to', example: 'trading' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  INFLUX_DATABASE = 'trading';

  @EnvVar({ group: 'influx', description: 'Token sent as "Authorization: Token ..."', secret: 'secret', example: '' })
  @IsOptional()
  @IsString()
  INFLUX_TOKEN?: string;

  @EnvVar({ group: 'influx', description: 'Push interval, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  INFLUX_FLUSH_INTERVAL_MS = 5000;

  @EnvVar({
    group: 'influx',
    description: 'Points kept while InfluxDB is down (oldest dropped first)',
    example: '10000',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  INFLUX_BUFFER_MAX_POINTS = 10_000;

  // ---- monitoring
  @EnvVar({ group: 'monitoring', description: 'Serve Prometheus /metrics', example: 'true' })
  @ToBoolean()
  @IsBoolean()
  METRICS_ENABLED = true;

  @EnvVar({
    group: 'monitoring',
    description:
      '/metrics on the main port asks for Authorization: Bearer <HEALTH_DETAILS_TOKEN> (empty: yes in production without MANAGEMENT_PORT)',
    example: '',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  METRICS_TOKEN_REQUIRED?: boolean;

  @EnvVar({
    group: 'monitoring',
    description: 'Serve the OpenAPI description at /docs (UI) and /docs-json; unset = on except in production',
    example: '',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  @EnvVar({
    group: 'monitoring',
    description: 'Serve health and metrics on this port only (unset = main port)',
    example: '',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(65535)
  MANAGEMENT_PORT?: number;

  // ---- circuit breaker
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

  // ---- auth
  @EnvVar({
    group: 'auth',
    description: 'none | jwt (empty: none in development and test; production requires it set)',
    example: '',
    hint: 'jwt',
  })
  @IsOptional()
  @IsIn(['none', 'jwt'])
  AUTH_MODE?: 'none' | 'jwt';

  @EnvVar({
    group: 'auth',
    description: 'JWKS URL, overriding discovery (empty: the jwks_uri of AUTH_ISSUER/.well-known/openid-configuration)',
    secret: 'url',
    example: '',
    hint: 'https://idp.example.com/.well-known/jwks.json',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  AUTH_JWKS_URL?: string;

  @EnvVar({
    group: 'auth',
    description:
      'Token issuer (AUTH_MODE=jwt): discovery starts there; `iss` must be the issuer its discovery document states (a trailing slash here is ignored)',
    example: '',
    hint: 'https://idp.example.com/',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  AUTH_ISSUER?: string;

  @EnvVar({ group: 'auth', description: 'Expected `aud` of tokens (AUTH_MODE=jwt)', example: '', hint: 'trading-api' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  AUTH_AUDIENCE?: string;

  @EnvVar({
    group: 'auth',
    description:
      'Claims read for scopes, in order, each a space-separated string or an array of strings (Okta and Azure: scp)',
    example: 'scope,scp',
  })
  @ToList()
  @ArrayMaxSize(8)
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { each: true })
  AUTH_SCOPE_CLAIMS: string[] = ['scope', 'scp'];

  @EnvVar({
    group: 'auth',
    description:
      'The only `typ` header accepted, e.g. at+jwt (RFC 9068); empty: at+jwt, JWT or none, every other typ refused',
    example: '',
    hint: 'at+jwt',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9!#$&^_.+-]{1,64}(\/[A-Za-z0-9!#$&^_.+-]{1,64})?$/)
  AUTH_REQUIRED_TYP?: string;

  @EnvVar({
    group: 'auth',
    description: 'Oldest accepted token (`iat`) and farthest accepted `exp`, seconds from now',
    example: '86400',
  })
  @ToInt()
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  AUTH_MAX_TOKEN_AGE_S = 86_400;

  @EnvVar({ group: 'auth', description: 'Tolerated clock skew for exp, nbf and iat, seconds', example: '30' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CLOCK_SKEW_S = 30;

  @EnvVar({ group: 'auth', description: 'Bound on one discovery or JWKS fetch, ms', example: '2000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(30_000)
  AUTH_JWKS_TIMEOUT_MS = 2000;

  @EnvVar({
    group: 'auth',
    description:
      'Longest wait between two JWKS fetches: the cap of the backoff that spaces refetches for unknown kids and after failures, ms',
    example: '30000',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  AUTH_JWKS_COOLDOWN_MS = 30_000;

  @EnvVar({
    group: 'auth',
    description: 'First step of that backoff (doubles on each fetch that fails or finds no new key), ms',
    example: '1000',
  })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600_000)
  AUTH_JWKS_RETRY_MIN_MS = 1000;

  @EnvVar({
    group: 'auth',
    description: 'Age at which keys are fetched again, in the background, ms',
    example: '600000',
  })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  AUTH_JWKS_REFRESH_MS = 600_000;

  @EnvVar({
    group: 'auth',
    description:
      'How long the last keys fetched keep verifying tokens while the issuer fails, from that fetch, ms (then 503); at least AUTH_JWKS_REFRESH_MS',
    example: '3600000',
  })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(604_800_000)
  AUTH_JWKS_MAX_STALE_MS = 3_600_000;

  @EnvVar({
    group: 'auth',
    description:
      'Order writes (creates and cancels together) per subject (or address) per minute; 0 = off (empty: 120 in production, off otherwise)',
    example: '',
    hint: '120',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_ORDERS_PER_MINUTE?: number;

  @EnvVar({
    group: 'auth',
    description:
      'Quote requests per subject (or address) per minute, a budget of its own; 0 = off (empty: 1200 in production, off otherwise)',
    example: '',
    hint: '1200',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_QUOTES_PER_MINUTE?: number;

  // ---- health
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

  // ---- trading
  @EnvVar({ group: 'trading', description: 'Tradable symbols, comma separated', example: 'AAPL,MSFT,GOOG,AMZN,TSLA' })
  @ToUpperList()
  @ArrayMaxSize(10_000)
  @Matches(/^[A-Z][A-Z0-9.-]{0,11}$/, { each: true })
  TRADING_SYMBOLS: string[] = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA'];

  @EnvVar({ group: 'trading', description: 'Largest order notional (quantity x price)', example: '1000000' })
  @ToNumber()
  @IsNumber()
  @IsPositive()
  TRADING_MAX_ORDER_NOTIONAL = 1_000_000;

  // ---- market data
  @EnvVar({
    group: 'marketData',
    description:
      'http | simulated | none (empty: http with MARKET_DATA_URL, else simulated outside production, none in it)',
    example: '',
    hint: 'simulated',
  })
  @IsOptional()
  @IsIn(['http', 'simulated', 'none'])
  MARKET_DATA_SOURCE?: 'http' | 'simulated' | 'none';

  @EnvVar({
    group: 'marketData',
    description: 'Market-data provider base URL (MARKET_DATA_SOURCE=http)',
    secret: 'url',
    example: '',
    hint: 'http://127.0.0.1:9090',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  MARKET_DATA_URL?: string;

  @EnvVar({ group: 'marketData', description: 'Timeout of one provider call, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  MARKET_DATA_TIMEOUT_MS = 1000;

  @EnvVar({ group: 'marketData', description: 'Retries of a failed provider call', example: '2' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10)
  MARKET_DATA_RETRIES = 2;

  @EnvVar({
    group: 'marketData',
    description: 'A fetched price is served without a new call for this long, ms (0 = always call)',
    example: '500',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  MARKET_DATA_CACHE_TTL_MS = 500;

  @EnvVar({ group: 'marketData', description: 'API key sent to the provider', secret: 'secret', example: '' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  MARKET_DATA_API_KEY?: string;

  // ---- config encryption
  @EnvVar({
    group: 'config',
    description: 'Key for ENC(...) values: 32 bytes, base64 or hex (npm run --silent config:keygen)',
    secret: 'secret',
    example: '',
  })
  @IsOptional()
  @IsString()
  CONFIG_MASTER_KEY?: string;

  @EnvVar({
    group: 'config',
    description: 'File holding the key instead (e.g. a mounted secret)',
    example: '',
    hint: '/run/secrets/config_master_key',
  })
  @IsOptional()
  @IsString()
  CONFIG_MASTER_KEY_FILE?: string;
}
