import type { Profile } from './profile.js';

// registerAs factories take no arguments: the validated environment reaches them through here.
// It is set by AppConfigModule.forRoot before Nest instantiates any provider.
let current: { envs: ReadonlyMap<unknown, object>; profile: Profile } | undefined;

export function setCurrentEnvironment(envs: ReadonlyMap<unknown, object>, profile: Profile): void {
  current = { envs, profile };
}

/** The validated instance of a module's config schema. */
export function featureEnvironment<T extends object>(schema: new () => T): T {
  const env = current?.envs.get(schema);
  if (!env)
    throw new Error(
      `configuration ${schema.name} read before AppConfigModule.forRoot() validated it: ` +
        'is its config in the imports of a module of the app (ConfigModule.forFeature)?',
    );
  return env as T;
}

export function currentProfile(): Profile {
  if (!current) throw new Error('configuration read before AppConfigModule.forRoot() validated it');
  return current.profile;
}
