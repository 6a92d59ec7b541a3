import { type ConfigFactory, type ConfigFactoryKeyHost, registerAs } from '@nestjs/config';
import { currentProfile, featureEnvironment } from './environment.holder.js';
import type { Profile } from './profile.js';

export type ConfigSchema<T extends object = object> = new () => T;

/** A rule across variables, or across modules, that a class-validator decorator cannot say. */
export interface ConfigRuleProblem {
  /** The variable reported as at fault. */
  variable: string;
  /** A short name of the rule, shown in brackets: `required`, `exclusive`, `production`... */
  rule: string;
  message: string;
}

export interface ConfigRuleContext {
  profile: Profile;
  /** Another module's validated variables, for a rule that spans two modules (its schema must be loaded). */
  env<T extends object>(schema: ConfigSchema<T>): T;
}

export type ConfigRules<T extends object> = (env: T, context: ConfigRuleContext) => ConfigRuleProblem[];

/** What the loader needs of a module's config: its schema, its rules and how it is built. */
export interface ConfigDefinition<T extends object = object, R extends object = object> {
  namespace: string;
  schema: ConfigSchema<T>;
  // Method syntax: a definition of any schema is a ConfigDefinition (parameters are bivariant).
  rules?(env: T, context: ConfigRuleContext): ConfigRuleProblem[];
  build(env: T, profile: Profile): R;
}

const DEFINITION = Symbol('configDefinition');

/** A module's config as `registerAs` gives it, carrying its definition for the loader. */
export type ModuleConfig<R extends object = object> = ConfigFactory<R> &
  ConfigFactoryKeyHost<R> & { readonly [DEFINITION]: ConfigDefinition };

/** Any module's config, whatever it builds: what lists of configs hold. */
export type AnyModuleConfig = ConfigFactory & {
  readonly KEY: string | symbol;
  readonly [DEFINITION]: ConfigDefinition;
};

/** The definition carried by `featureConfig`'s result; undefined for any other value. */
export function definitionOf(value: unknown): ConfigDefinition | undefined {
  return typeof value === 'function' ? (value as Partial<ModuleConfig>)[DEFINITION] : undefined;
}

/**
 * A module's own configuration, core and team modules alike: a class of variables declared with
 * `@EnvVar` and class-validator rules, optional `rules` across its variables (or another module's),
 * and a `registerAs` namespace built from the validated class and the profile. The variables get
 * validation at boot in one pass with every other module's, `ENC(...)`, secret masking and a place
 * in `.env.example`.
 *
 * The module declares it with `ConfigModule.forFeature(config)` in its `imports`: that is how
 * AppConfigModule finds it, by walking the app's modules (a module left out of the app leaves its
 * variables out too). Importing the file registers nothing.
 *
 * ```ts
 * class PositionsEnv {
 *   @EnvVar({ group: 'Positions', description: 'Open positions per account' })
 *   @ToInt() @IsInt() @Min(1)
 *   POSITIONS_MAX_OPEN = 100;
 * }
 * export const positionsConfig = featureConfig('positions', PositionsEnv, (env, profile) => ({
 *   maxOpen: env.POSITIONS_MAX_OPEN,
 *   audited: profile.isProduction,
 * }));
 * // @Module({ imports: [ConfigModule.forFeature(positionsConfig)] }), then
 * // @Inject(positionsConfig.KEY) config: ConfigType<typeof positionsConfig>
 * ```
 */
export function featureConfig<T extends object, R extends object>(
  namespace: string,
  schema: ConfigSchema<T>,
  build: (env: T, profile: Profile) => R,
  options: { rules?: ConfigRules<T> } = {},
): ModuleConfig<R> {
  const factory = registerAs(namespace, () => build(featureEnvironment(schema), currentProfile()));
  const definition: ConfigDefinition<T, R> = { namespace, schema, rules: options.rules, build };
  Object.defineProperty(factory, DEFINITION, { value: definition, enumerable: false });
  return factory as unknown as ModuleConfig<R>;
}
