export { AppConfigModule, type AppConfigOptions } from './config.module.js';
export { ConfigValidationError, type ConfigProblem } from './config-validation.error.js';
export { loadEnvironment, type RawEnvironment, type LoadedEnvironment } from './env.loader.js';
export { EnvironmentVariables, type NodeEnv, type LogLevel } from './env.schema.js';
export {
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
} from './namespaces.config.js';
export { featureConfig, type ConfigSchema } from './feature-config.js';
export { EnvVar } from './env.metadata.js';
export { IsServiceUrl } from './env.validators.js';
export { ToBoolean, ToInt, ToList, ToNumber } from './env.transforms.js';
export { readKeyFile, readRawEnvironment } from './raw-environment.js';
export { BreakerOverride } from './breaker-overrides.js';
