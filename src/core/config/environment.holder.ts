import type { EnvironmentVariables } from './env.schema.js';

// registerAs factories take no arguments: the validated environment reaches them through here.
// It is set by AppConfigModule.forRoot before Nest instantiates any provider.
let current: EnvironmentVariables | undefined;
let features = new Map<unknown, object>();

export function setCurrentEnvironment(env: EnvironmentVariables, featureEnvs: Map<unknown, object> = new Map()): void {
  current = env;
  features = featureEnvs;
}

/** The validated instance of a feature module's config schema. */
export function featureEnvironment<T extends object>(schema: new () => T): T {
  const env = features.get(schema);
  if (!env) throw new Error(`configuration ${schema.name} read before AppConfigModule.forRoot() validated it`);
  return env as T;
}

export function currentEnvironment(): EnvironmentVariables {
  if (!current) throw new Error('configuration read before AppConfigModule.forRoot() validated it');
  return current;
}
