import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { breakerOverrideProblems } from './breaker-overrides.js';
import { type ConfigProblem, ConfigValidationError } from './config-validation.error.js';
import { displayValue, envVarMeta, envVarNames, PLACEHOLDER_MARK } from './env.metadata.js';
import { EnvironmentVariables } from './env.schema.js';
import { ConfigSchemas } from './feature-config.js';
import { decryptSecret, isEncrypted, parseMasterKey, SecretCipherError } from './secret-cipher.js';

export type RawEnvironment = Readonly<Record<string, string | undefined>>;

export interface LoadedEnvironment {
  env: EnvironmentVariables;
  /** Each feature module's validated config schema, by class. */
  features: Map<unknown, object>;
  /** Every secret value in plain text, so that logs and errors can scrub them. */
  secrets: string[];
}

export interface LoadOptions {
  /** Reads CONFIG_MASTER_KEY_FILE; injectable for tests. */
  readFile: (path: string) => string;
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
function pickKnown(raw: RawEnvironment): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of envVarNames()) {
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

function checkCombinations(env: EnvironmentVariables, raw: RawEnvironment, problems: ProblemList): void {
  if (env.REDIS_URL && env.REDIS_SENTINELS.length > 0) {
    problems.add(
      'REDIS_SENTINELS',
      'exclusive',
      'set REDIS_URL or REDIS_SENTINELS, not both',
      shown('REDIS_SENTINELS', raw),
    );
  }
  if (env.REDIS_SENTINELS.length > 0 && !env.REDIS_SENTINEL_MASTER) {
    problems.add('REDIS_SENTINEL_MASTER', 'required', 'must be set when REDIS_SENTINELS is set', '(unset)');
  }
  if (env.AUTH_MODE === 'jwt') {
    // The JWKS URL is discovered from the issuer unless it is given.
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
      if (!env[name]) problems.add(name, 'required', 'must be set when AUTH_MODE=jwt', '(unset)');
    }
  }
  if (env.AUTH_JWKS_MAX_STALE_MS < env.AUTH_JWKS_REFRESH_MS) {
    problems.add(
      'AUTH_JWKS_MAX_STALE_MS',
      'range',
      'must be at least AUTH_JWKS_REFRESH_MS',
      shown('AUTH_JWKS_MAX_STALE_MS', raw),
    );
  }
  if (env.MARKET_DATA_SOURCE === 'http' && !env.MARKET_DATA_URL) {
    problems.add('MARKET_DATA_URL', 'required', 'must be set when MARKET_DATA_SOURCE=http', '(unset)');
  }
  if (env.MANAGEMENT_PORT !== undefined && env.MANAGEMENT_PORT === env.PORT) {
    problems.add('MANAGEMENT_PORT', 'distinct', 'must differ from PORT', shown('MANAGEMENT_PORT', raw));
  }
  try {
    const overrides: unknown = JSON.parse(env.CB_OVERRIDES);
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      problems.add(
        'CB_OVERRIDES',
        'isObject',
        'must be a JSON object of breaker name to settings',
        shown('CB_OVERRIDES', raw),
      );
    } else {
      for (const problem of breakerOverrideProblems(overrides as Record<string, unknown>)) {
        problems.add('CB_OVERRIDES', 'breakerSettings', problem, shown('CB_OVERRIDES', raw));
      }
    }
  } catch {
    // reported by @IsJSON
  }
}

function checkProduction(
  env: EnvironmentVariables,
  plain: Record<string, string>,
  raw: RawEnvironment,
  problems: ProblemList,
): void {
  if (env.NODE_ENV !== 'production') return;
  if (!env.DB_PRIMARY_URL) {
    problems.add(
      'DB_PRIMARY_URL',
      'production',
      'production needs a Postgres primary (SQLite alone is for development)',
      '(unset)',
    );
  }
  if (!env.AUTH_MODE) {
    problems.add('AUTH_MODE', 'production', 'production needs AUTH_MODE set: jwt, or none said explicitly', '(unset)');
  }
  if (!env.HEALTH_DETAILS_TOKEN) {
    problems.add(
      'HEALTH_DETAILS_TOKEN',
      'production',
      'production needs a token to protect health details and operator endpoints',
      '(unset)',
    );
  }
  for (const name of envVarNames()) {
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

/**
 * Reads, decrypts and validates the whole environment at once.
 * @throws ConfigValidationError naming every problem found.
 */
export function loadEnvironment(raw: RawEnvironment, options: LoadOptions): LoadedEnvironment {
  const problems = new ProblemList();
  const known = pickKnown(raw);
  const key = resolveMasterKey(known, problems, options);
  const plain = decryptAll(known, key, problems);
  // A value that could not be decrypted is still its ciphertext: its other rules say nothing useful.
  const undecrypted = new Set(problems.items.map((p) => p.variable));
  const validated = <T extends object>(schema: new () => T): T => {
    const instance = plainToInstance(schema, plain);
    collectValidation(
      validateSync(instance, { forbidUnknownValues: false }).filter((e) => !undecrypted.has(e.property)),
      raw,
      problems,
    );
    return instance;
  };
  const env = validated(EnvironmentVariables);
  const features = new Map<unknown, object>(ConfigSchemas.all().map((schema) => [schema, validated(schema)]));
  checkCombinations(env, raw, problems);
  checkProduction(env, plain, raw, problems);
  if (problems.items.length > 0) throw new ConfigValidationError(problems.items);
  return { env, features, secrets: secretValues(plain) };
}
