export { AppConfigModule, appConfigs, type AppConfigOptions } from './config.module.js';
export { ConfigValidationError, type ConfigProblem } from './config-validation.error.js';
export { loadEnvironment, type RawEnvironment, type LoadedEnvironment, type LoadOptions } from './env.loader.js';
export { appConfig, AppEnv } from './app.config.js';
export { type NodeEnv, type Profile, profileOf } from './profile.js';
export {
  featureConfig,
  type ConfigDefinition,
  type ConfigRuleContext,
  type ConfigRuleProblem,
  type ConfigRules,
  type ConfigSchema,
  type AnyModuleConfig,
  type ModuleConfig,
} from './feature-config.js';
export { moduleConfigs } from './module-configs.js';
export { renderEnvExample } from './env-example.js';
export { EnvVar } from './env.metadata.js';
export { ToBoolean, ToInt, ToList, ToNumber, ToUpperList } from './env.transforms.js';
export { IsHostPort, IsServiceUrl } from './env.validators.js';
export { readKeyFile, readRawEnvironment } from './raw-environment.js';
