import type { EnvironmentVariables } from './env.schema.js';

// registerAs factories take no arguments: the validated environment reaches them through here.
// It is set by AppConfigModule.forRoot before Nest instantiates any provider.
let current: EnvironmentVariables | undefined;

export function setCurrentEnvironment(env: EnvironmentVariables): void {
  current = env;
}

export function currentEnvironment(): EnvironmentVariables {
  if (!current) throw new Error('configuration read before AppConfigModule.forRoot() validated it');
  return current;
}
