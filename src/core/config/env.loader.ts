import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { type ConfigProblem, ConfigValidationError } from './config-validation.error.js';
import { displayValue, envVarMeta, PLACEHOLDER_MARK, schemaVariables } from './env.metadata.js';
import {
  type ConfigDefinition,
  type ConfigSchema,
  definitionOf,
  type AnyModuleConfig,
  type ModuleConfig,
} from './feature-config.js';
import { appConfig } from './app.config.js';
import { MasterKeyEnv } from './master-key.env.js';
import { attachProfile, type Profile, ProfileEnv, profileFrom } from './profile.js';
import { decryptSecret, isEncrypted, parseMasterKey, SecretCipherError } from './secret-cipher.js';

export type RawEnvironment = Readonly<Record<string, string | undefined>>;

export interface LoadedEnvironment {
  profile: Profile;
  /** Each module's validated config schema, by class. */
  envs: ReadonlyMap<ConfigSchema, object>;
  /** Every variable read: NODE_ENV, each module's in module order, then the master key's. */
  variables: readonly string[];
  /** Every secret value in plain text, so that logs and errors can scrub them. */
  secrets: string[];
  /** One module's validated variables. */
  env<T extends object>(schema: ConfigSchema<T>): T;
  /** One module's config as its namespace builds it, as it would be injected. */
  config<R extends object>(config: ModuleConfig<R>): R;
}

export interface LoadOptions {
  /** Reads CONFIG_MASTER_KEY_FILE; injectable for tests. */
  readFile: (path: string) => string;
  /**
   * The module configs to read (`featureConfig` results), each validated against its schema and
   * its rules; the profile (NODE_ENV), the app's HTTP settings and the master key are always read.
   */
  configs?: readonly AnyModuleConfig[];
}

class ProblemList {
  readonly items: ConfigProblem[] = [];

  add(variable: string, rule: string, message: string, shownValue: string): void {
    this.items.push({ variable, rule, message, shownValue });
  }
}

function shown(name: string, raw: RawEnvironment): string {
  const value = raw[name];
  return value !== undefined && isEncrypted(value) ? 'ENC(…)' : displayValue(name, value);
}

/** Known variables only, with empty strings taken as unset. */
function pickKnown(raw: RawEnvironment, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = raw[name];
    if (value !== undefined && value.trim() !== '') picked[name] = value;
  }
  return picked;
}

function resolveMasterKey(
  raw: Record<string, string>,
  problems: ProblemList,
  options: LoadOptions,
): Buffer | undefined {
  const inline = raw.CONFIG_MASTER_KEY;
  const file = raw.CONFIG_MASTER_KEY_FILE;
  if (inline !== undefined && file !== undefined) {
    problems.add(
      'CONFIG_MASTER_KEY_FILE',
      'exclusive',
      'set CONFIG_MASTER_KEY or CONFIG_MASTER_KEY_FILE, not both',
      JSON.stringify(file),
    );
    return undefined;
  }
  let text = inline;
  const variable = file !== undefined ? 'CONFIG_MASTER_KEY_FILE' : 'CONFIG_MASTER_KEY';
  if (file !== undefined) {
    try {
      text = options.readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.add(variable, 'readable', `cannot read the key file (${code})`, JSON.stringify(file));
      return undefined;
    }
  }
  if (text === undefined) return undefined;
  try {
    return parseMasterKey(text);
  } catch (error) {
    problems.add(
      variable,
      'masterKey',
      (error as Error).message,
      variable === 'CONFIG_MASTER_KEY' ? '***' : JSON.stringify(file),
    );
    return undefined;
  }
}

function decryptAll(
  raw: Record<string, string>,
  key: Buffer | undefined,
  problems: ProblemList,
): Record<string, string> {
  const plain: Record<string, string> = { ...raw };
  for (const [name, value] of Object.entries(raw)) {
    if (!isEncrypted(value)) continue;
    if (name === 'CONFIG_MASTER_KEY' || name === 'CONFIG_MASTER_KEY_FILE') {
      problems.add(name, 'decrypt', 'the master key cannot itself be encrypted', 'ENC(…)');
      continue;
    }
    if (key === undefined) {
      problems.add(
        name,
        'decrypt',
        'holds ENC(...) but neither CONFIG_MASTER_KEY nor CONFIG_MASTER_KEY_FILE is set',
        'ENC(…)',
      );
      continue;
    }
    try {
      plain[name] = decryptSecret(value, key);
    } catch (error) {
      const message = error instanceof SecretCipherError ? error.message : 'cannot decrypt';
      problems.add(name, 'decrypt', message, 'ENC(…)');
    }
  }
  return plain;
}

function collectValidation(errors: ValidationError[], raw: RawEnvironment, problems: ProblemList): void {
  for (const error of errors) {
    for (const [rule, message] of Object.entries(error.constraints ?? {})) {
      const text = message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message;
      problems.add(error.property, rule, text, shown(error.property, raw));
    }
  }
}

function checkPlaceholders(
  names: readonly string[],
  profile: Profile,
  plain: Record<string, string>,
  raw: RawEnvironment,
  problems: ProblemList,
): void {
  if (!profile.isProduction) return;
  for (const name of names) {
    const meta = envVarMeta(name);
    const value = plain[name];
    if (!meta || meta.secret === 'none' || value === undefined) continue;
    if (value === meta.example || value.includes(PLACEHOLDER_MARK)) {
      problems.add(name, 'production', 'still holds a placeholder from .env.example', shown(name, raw));
    }
  }
}

function secretValues(plain: Record<string, string>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(plain)) {
    const kind = envVarMeta(name)?.secret;
    if (kind === 'secret') secrets.add(value);
    if (kind !== 'url') continue;
    for (const part of value.split(',')) {
      try {
        const url = new URL(part.trim());
        if (url.password) {
          secrets.add(url.password);
          secrets.add(decodeURIComponent(url.password));
        }
      } catch {
        secrets.add(part.trim());
      }
    }
  }
  return [...secrets].filter((s) => s.length > 0);
}

/** The profile, the app's, each module's schema once, then the master key; a variable belongs to one schema. */
function definitionsOf(configs: readonly AnyModuleConfig[]): ConfigDefinition[] {
  const profile: ConfigDefinition = { namespace: 'profile', schema: ProfileEnv, build: (e) => e };
  const masterKey: ConfigDefinition = { namespace: 'masterKey', schema: MasterKeyEnv, build: (e) => e };
  const definitions = new Map<ConfigSchema, ConfigDefinition>([[ProfileEnv, profile]]);
  // The app's HTTP settings are read whatever the list: other modules' rules may compare with them.
  for (const config of [appConfig, ...configs]) {
    const definition = definitionOf(config);
    if (!definition) throw new Error('a config passed to the loader was not made by featureConfig()');
    definitions.set(definition.schema, definition);
  }
  definitions.set(MasterKeyEnv, masterKey);
  const owners = new Map<string, string>();
  for (const { schema } of definitions.values()) {
    for (const name of schemaVariables(schema)) {
      const owner = owners.get(name);
      // A programming error, not a configuration one: two modules would read one variable two ways.
      if (owner) throw new Error(`${name} is declared by both ${owner} and ${schema.name}`);
      owners.set(name, schema.name);
    }
  }
  return [...definitions.values()];
}

/** Every variable the configs read, in the order of `LoadedEnvironment.variables`. */
export function configVariables(configs: readonly AnyModuleConfig[]): string[] {
  return definitionsOf(configs).flatMap((d) => schemaVariables(d.schema));
}

/**
 * Reads, decrypts and validates the variables of every module given at once.
 * @throws ConfigValidationError naming every problem found, whichever module it belongs to.
 */
export function loadEnvironment(raw: RawEnvironment, options: LoadOptions): LoadedEnvironment {
  const definitions = definitionsOf(options.configs ?? []);
  const variables = definitions.flatMap((d) => schemaVariables(d.schema));
  const problems = new ProblemList();
  const known = pickKnown(raw, variables);
  const key = resolveMasterKey(known, problems, options);
  const plain = decryptAll(known, key, problems);
  // A value that could not be decrypted is still its ciphertext: its other rules say nothing useful.
  const undecrypted = new Set(problems.items.map((p) => p.variable));
  const profile = profileFrom(plain.NODE_ENV);
  const envs = new Map<ConfigSchema, object>();
  for (const { schema } of definitions) {
    // Each schema sees its own variables only: a module reads another's through a rule's context.
    const own = Object.fromEntries(schemaVariables(schema).flatMap((n) => (n in plain ? [[n, plain[n]]] : [])));
    const instance = plainToInstance(schema, own);
    attachProfile(instance, profile);
    collectValidation(
      validateSync(instance, { forbidUnknownValues: false }).filter((e) => !undecrypted.has(e.property)),
      raw,
      problems,
    );
    envs.set(schema, instance);
  }
  const context = {
    profile,
    env: <T extends object>(schema: ConfigSchema<T>): T => {
      const env = envs.get(schema);
      if (!env) throw new Error(`a config rule read ${schema.name}, which is not loaded`);
      return env as T;
    },
  };
  for (const { schema, rules } of definitions) {
    for (const problem of rules?.(envs.get(schema) as object, context) ?? []) {
      if (undecrypted.has(problem.variable)) continue;
      // The variable may be another module's: its value is looked up by name, set or not.
      const value = plain[problem.variable] === undefined ? '(unset)' : shown(problem.variable, raw);
      problems.add(problem.variable, problem.rule, problem.message, value);
    }
  }
  checkPlaceholders(variables, profile, plain, raw, problems);
  if (problems.items.length > 0) throw new ConfigValidationError(problems.items);
  return {
    profile,
    envs,
    variables,
    secrets: secretValues(plain),
    env: context.env,
    config: <R extends object>(config: ModuleConfig<R>): R => {
      const definition = definitionOf(config);
      if (!definition) throw new Error('not a config made by featureConfig()');
      return definition.build(context.env(definition.schema), profile) as R;
    },
  };
}
