import { IsIn } from 'class-validator';
import { EnvVar } from './env.metadata.js';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** The profile every module's config is read under: builds and rules get it, never declare it. */
export interface Profile {
  nodeEnv: NodeEnv;
  isProduction: boolean;
}

export class ProfileEnv {
  @EnvVar({ group: 'app', description: 'Profile: development | test | production', example: 'development' })
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';
}

export function profileFrom(nodeEnv: string | undefined): Profile {
  // An invalid NODE_ENV is reported by ProfileEnv; the other modules are checked as in development.
  const known: NodeEnv = NODE_ENVS.includes(nodeEnv as NodeEnv) ? (nodeEnv as NodeEnv) : 'development';
  return { nodeEnv: known, isProduction: known === 'production' };
}

const PROFILE = Symbol('profile');

/** Gives a schema instance the profile it is validated under (see profileOf). */
export function attachProfile(env: object, profile: Profile): void {
  Object.defineProperty(env, PROFILE, { value: profile, enumerable: false });
}

/**
 * The profile a schema instance is validated under, for class-validator rules:
 * `@ValidateIf((env: MyEnv) => profileOf(env).isProduction || env.MY_KEY !== undefined)`.
 */
export function profileOf(env: object): Profile {
  return (env as { [PROFILE]?: Profile })[PROFILE] ?? profileFrom(undefined);
}
