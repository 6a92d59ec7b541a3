import { registerAs } from '@nestjs/config';
import { currentEnvironment } from './environment.holder.js';
import type { EnvironmentVariables } from './env.schema.js';
import type { BreakerOverride } from './breaker-overrides.js';

function parseHostPort(entry: string): { host: string; port: number } {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
}

export const buildAppConfig = (e: EnvironmentVariables) => ({
  nodeEnv: e.NODE_ENV,
  isProduction: e.NODE_ENV === 'production',
  port: e.PORT,
  host: e.HOST,
  logLevel: e.LOG_LEVEL,
  logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'pretty'),
  bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
  jsonLimits: {
    maxDepth: e.HTTP_JSON_MAX_DEPTH,
    maxKeys: e.HTTP_JSON_MAX_KEYS,
    maxArrayLength: e.HTTP_JSON_MAX_ARRAY_LENGTH,
    maxStringBytes: e.HTTP_JSON_MAX_STRING_BYTES,
  },
  serverLimits: {
    maxConnections: e.HTTP_MAX_CONNECTIONS,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  },
  shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
  shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
  docsEnabled: e.DOCS_ENABLED ?? e.NODE_ENV !== 'production',
});

export const buildDatabaseConfig = (e: EnvironmentVariables) => ({
  primaryUrl: e.DB_PRIMARY_URL,
  replicaUrls: e.DB_REPLICA_URLS,
  sqlitePath: e.DB_SQLITE_PATH,
  poolMax: e.DB_POOL_MAX,
  connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
  queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
  statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
  replicaMaxLagMs: e.DB_REPLICA_MAX_LAG_MS,
  probeIntervalMs: e.DB_PROBE_INTERVAL_MS,
  probeTimeoutMs: e.DB_PROBE_TIMEOUT_MS,
  replayMaxAttempts: e.DB_REPLAY_MAX_ATTEMPTS,
  journalMinFreeBytes: e.DB_JOURNAL_MIN_FREE_BYTES,
  journalReserveBytes: e.DB_JOURNAL_RESERVE_BYTES,
});

export const buildAuthConfig = (e: EnvironmentVariables) => ({
  mode: e.AUTH_MODE ?? 'none',
  /** AUTH_MODE=none said explicitly (production logs it as a warning). */
  explicit: e.AUTH_MODE !== undefined,
  jwksUrl: e.AUTH_JWKS_URL,
  issuer: e.AUTH_ISSUER,
  audience: e.AUTH_AUDIENCE,
  clockSkewS: e.AUTH_CLOCK_SKEW_S,
  jwksTimeoutMs: e.AUTH_JWKS_TIMEOUT_MS,
  jwksCooldownMs: e.AUTH_JWKS_COOLDOWN_MS,
  jwksRetryMinMs: e.AUTH_JWKS_RETRY_MIN_MS,
  jwksRefreshMs: e.AUTH_JWKS_REFRESH_MS,
  jwksMaxStaleMs: e.AUTH_JWKS_MAX_STALE_MS,
  scopeClaims: e.AUTH_SCOPE_CLAIMS,
  requiredTyp: e.AUTH_REQUIRED_TYP,
  maxTokenAgeS: e.AUTH_MAX_TOKEN_AGE_S,
  ordersPerMinute: e.RATE_LIMIT_ORDERS_PER_MINUTE ?? (e.NODE_ENV === 'production' ? 120 : 0),
  quotesPerMinute: e.RATE_LIMIT_QUOTES_PER_MINUTE ?? (e.NODE_ENV === 'production' ? 1200 : 0),
});

export const buildCacheConfig = (e: EnvironmentVariables) => ({
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
});

export const buildInfluxConfig = (e: EnvironmentVariables) => ({
  url: e.INFLUX_URL,
  database: e.INFLUX_DATABASE,
  token: e.INFLUX_TOKEN,
  flushIntervalMs: e.INFLUX_FLUSH_INTERVAL_MS,
  bufferMaxPoints: e.INFLUX_BUFFER_MAX_POINTS,
});

export const buildLoadSheddingConfig = (e: EnvironmentVariables) => ({
  enabled: e.LOAD_SHEDDING_ENABLED,
  // A minimum above the maximum is read as the maximum: the limit never leaves [min, max].
  minLimit: Math.min(e.LOAD_SHEDDING_MIN_LIMIT, e.LOAD_SHEDDING_MAX_LIMIT),
  maxLimit: e.LOAD_SHEDDING_MAX_LIMIT,
  initialLimit: e.LOAD_SHEDDING_INITIAL_LIMIT,
  retryAfterSeconds: e.LOAD_SHEDDING_RETRY_AFTER_S,
  neverShedRoutes: e.LOAD_SHEDDING_NEVER_SHED_ROUTES,
});

export const buildMonitoringConfig = (e: EnvironmentVariables) => ({
  metricsEnabled: e.METRICS_ENABLED,
  managementPort: e.MANAGEMENT_PORT,
  // A scrape costs milliseconds of CPU: not for the public (see MetricsController).
  metricsTokenRequired: e.METRICS_TOKEN_REQUIRED ?? (e.NODE_ENV === 'production' && e.MANAGEMENT_PORT === undefined),
  metricsToken: e.HEALTH_DETAILS_TOKEN,
});

export const buildCircuitBreakerConfig = (e: EnvironmentVariables) => ({
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
});

export const buildHealthConfig = (e: EnvironmentVariables) => ({
  detailsToken: e.HEALTH_DETAILS_TOKEN,
  checkTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
  cacheTtlMs: e.HEALTH_CACHE_TTL_MS,
  eventLoopStallMs: e.HEALTH_EVENT_LOOP_STALL_MS,
});

export const buildTradingConfig = (e: EnvironmentVariables) => ({
  symbols: e.TRADING_SYMBOLS,
  maxOrderNotional: e.TRADING_MAX_ORDER_NOTIONAL,
});

export const buildMarketDataConfig = (e: EnvironmentVariables) => ({
  /** Where prices come from; a simulated feed only where it was asked for or on a laptop. */
  source: e.MARKET_DATA_SOURCE ?? (e.MARKET_DATA_URL ? 'http' : e.NODE_ENV === 'production' ? 'none' : 'simulated'),
  url: e.MARKET_DATA_URL,
  timeoutMs: e.MARKET_DATA_TIMEOUT_MS,
  retries: e.MARKET_DATA_RETRIES,
  apiKey: e.MARKET_DATA_API_KEY,
  cacheTtlMs: e.MARKET_DATA_CACHE_TTL_MS,
});

/** Inject with `@Inject(appConfig.KEY) cfg: ConfigType<typeof appConfig>`. */
export const appConfig = registerAs('app', () => buildAppConfig(currentEnvironment()));
export const databaseConfig = registerAs('database', () => buildDatabaseConfig(currentEnvironment()));
export const authConfig = registerAs('auth', () => buildAuthConfig(currentEnvironment()));
export const cacheConfig = registerAs('cache', () => buildCacheConfig(currentEnvironment()));
export const influxConfig = registerAs('influx', () => buildInfluxConfig(currentEnvironment()));
export const loadSheddingConfig = registerAs('loadShedding', () => buildLoadSheddingConfig(currentEnvironment()));
export const monitoringConfig = registerAs('monitoring', () => buildMonitoringConfig(currentEnvironment()));
export const circuitBreakerConfig = registerAs('circuitBreaker', () => buildCircuitBreakerConfig(currentEnvironment()));
export const healthConfig = registerAs('health', () => buildHealthConfig(currentEnvironment()));
export const tradingConfig = registerAs('trading', () => buildTradingConfig(currentEnvironment()));
export const marketDataConfig = registerAs('marketData', () => buildMarketDataConfig(currentEnvironment()));

export const CONFIG_NAMESPACES = [
  appConfig,
  databaseConfig,
  authConfig,
  cacheConfig,
  influxConfig,
  monitoringConfig,
  loadSheddingConfig,
  circuitBreakerConfig,
  healthConfig,
  tradingConfig,
  marketDataConfig,
];
