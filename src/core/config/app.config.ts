import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { EnvVar } from './env.metadata.js';
import { ToInt } from './env.transforms.js';
import { featureConfig } from './feature-config.js';

/** The HTTP server's own settings: the app's, owned by no other module. */
export class AppEnv {
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
}

export const appConfig = featureConfig('app', AppEnv, (e, profile) => ({
  nodeEnv: profile.nodeEnv,
  isProduction: profile.isProduction,
  port: e.PORT,
  host: e.HOST,
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
}));
