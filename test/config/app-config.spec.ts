import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseEnv } from 'node:util';
import { appModules } from '../../src/app.module.js';
import {
  appConfigs,
  ConfigValidationError,
  loadEnvironment,
  type RawEnvironment,
} from '../../src/core/config/index.js';
// Internal on purpose: the metadata and the cipher the loader itself uses.
import { envVarMeta } from '../../src/core/config/env.metadata.js';
import { configVariables } from '../../src/core/config/env.loader.js';
import { encryptSecret, generateMasterKey, parseMasterKey } from '../../src/core/config/secret-cipher.js';
import { OrdersModule } from '../../src/modules/orders/index.js';
import { QuotesModule } from '../../src/modules/quotes/index.js';

// The whole app's configuration, as it boots: every module's variables and rules, in one pass.
// The loader's own mechanics are specified in src/core/config/env.loader.spec.ts, and each
// module's variables and rules in its own <module>.config.spec.ts.
const configs = appConfigs(appModules());
const envVarNames = () => configVariables(configs);

const noFiles = {
  readFile: (path: string): string => {
    throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
  },
};

function loaded(raw: RawEnvironment, options = noFiles) {
  return loadEnvironment(raw, { ...options, configs });
}

/** Every module's validated variables in one record: each name belongs to one module. */
function load(raw: RawEnvironment, options = noFiles) {
  const result = loaded(raw, options);
  const env = Object.assign({}, ...result.envs.values()) as Record<string, unknown>;
  return { ...result, env };
}

function failure(raw: RawEnvironment, options = noFiles): ConfigValidationError {
  try {
    load(raw, options);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('configuration was accepted');
}

const PRODUCTION = {
  NODE_ENV: 'production',
  DB_PRIMARY_URL: 'postgres://app:Real-Db-Pass-9@db.internal:5432/trading',
  HEALTH_DETAILS_TOKEN: 'a-real-token-of-32-characters-xx',
  AUTH_MODE: 'jwt',
  AUTH_JWKS_URL: 'https://idp.internal/.well-known/jwks.json',
  AUTH_ISSUER: 'https://idp.internal/',
  AUTH_AUDIENCE: 'trading-api',
  ORDERS_CURSOR_KEY: 'a-real-cursor-key-of-32-characters-xx',
};

describe("the app's configuration", () => {
  it('runs on defaults alone: development, port 3000, SQLite, memory cache', () => {
    const { env } = load({});
    assert.equal(load({}).profile.nodeEnv, 'development');
    assert.equal(env.PORT, 3000);
    assert.equal(env.DB_PRIMARY_URL, undefined);
    assert.equal(env.DB_SQLITE_PATH, './data/app.sqlite');
    assert.equal(env.REDIS_URL, undefined);
  });

  it('converts numbers, booleans and lists', () => {
    const { env } = load({
      PORT: '8080',
      METRICS_ENABLED: 'false',
      DB_REPLICA_URLS: 'postgres://a/x, postgres://b/y',
      TRADING_SYMBOLS: 'aapl, msft',
    });
    assert.equal(env.PORT, 8080);
    assert.equal(env.METRICS_ENABLED, false);
    assert.deepEqual(env.DB_REPLICA_URLS, ['postgres://a/x', 'postgres://b/y']);
    assert.deepEqual(env.TRADING_SYMBOLS, ['AAPL', 'MSFT']);
  });

  it('reads no domain variable once the example modules are left out of the app', () => {
    const core = appModules().filter((m) => m !== OrdersModule && m !== QuotesModule);
    const variables = configVariables(appConfigs(core));
    assert.deepEqual(
      variables.filter((name) => /^(ORDERS|TRADING|MARKET_DATA|RATE_LIMIT)_/.test(name)),
      [],
    );
    assert.ok(
      variables.includes('DB_PRIMARY_URL') && variables.includes('AUTH_MODE'),
      'the core modules still read theirs',
    );
    assert.ok(envVarNames().includes('TRADING_SYMBOLS'), 'the whole app reads the domain variables');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(load({ PORT: '', REDIS_URL: '  ' }).env.PORT, 3000);
  });

  it('names every invalid variable in one error, with the rule and the value', () => {
    const error = failure({ PORT: 'abc', DB_POOL_MAX: '-1', LOG_LEVEL: 'loud', TRADING_SYMBOLS: 'AAPL,bad symbol!' });
    assert.deepEqual(error.variables.sort(), ['DB_POOL_MAX', 'LOG_LEVEL', 'PORT', 'TRADING_SYMBOLS']);
    assert.match(error.message, /PORT="abc": must be an integer number \[isInt\]/);
    assert.match(error.message, /DB_POOL_MAX="-1": must not be less than 1 \[min\]/);
    assert.match(error.message, /LOG_LEVEL="loud": .*\[isIn\]/);
  });

  it('names bad variables of core and feature modules, class rules and cross rules, in one message', () => {
    const error = failure({
      CACHE_OP_TIMEOUT_MS: '0', // core/cache, a class-validator rule
      REDIS_SENTINELS: '127.0.0.1:26379', // core/cache, a rule across two of its variables
      ORDERS_CURSOR_KEY: 'too-short', // modules/orders, a class-validator rule
      MARKET_DATA_SOURCE: 'http', // modules/quotes, a rule across two of its variables
    });
    assert.deepEqual(error.variables.sort(), [
      'CACHE_OP_TIMEOUT_MS',
      'MARKET_DATA_URL',
      'ORDERS_CURSOR_KEY',
      'REDIS_SENTINEL_MASTER',
    ]);
    assert.match(error.message, /^Invalid configuration: 4 variables rejected\n/);
    assert.match(error.message, /ORDERS_CURSOR_KEY=\*\*\*: .*\[minLength\]/);
    assert.match(error.message, /MARKET_DATA_URL=\(unset\): must be set when MARKET_DATA_SOURCE=http \[required\]/);
  });

  it('masks secrets in messages: whole secrets, and the password of a URL', () => {
    const error = failure({
      HEALTH_DETAILS_TOKEN: 'short-secret',
      DB_PRIMARY_URL: 'postgres://app:Pa55word@db/x',
      DB_POOL_MAX: '0',
      REDIS_URL: 'redis://:S3cretPw@',
    });
    assert.doesNotMatch(error.message, /short-secret|Pa55word|S3cretPw/);
    assert.match(error.message, /HEALTH_DETAILS_TOKEN=\*\*\*/);
    assert.match(error.message, /REDIS_URL=\*\*\*/);
  });

  describe('production profile', () => {
    it('accepts a complete production environment', () => {
      assert.equal(load(PRODUCTION).profile.nodeEnv, 'production');
    });

    it('refuses to run without a Postgres primary, a health token, an auth mode or a cursor key, naming each', () => {
      assert.deepEqual(failure({ NODE_ENV: 'production' }).variables.sort(), [
        'AUTH_MODE',
        'DB_PRIMARY_URL',
        'HEALTH_DETAILS_TOKEN',
        'ORDERS_CURSOR_KEY',
      ]);
    });

    it('takes AUTH_MODE=none when it is said explicitly', () => {
      assert.equal(load({ ...PRODUCTION, AUTH_MODE: 'none' }).env.AUTH_MODE, 'none');
    });

    it('refuses secrets left at their .env.example placeholder', () => {
      const error = failure({
        ...PRODUCTION,
        DB_PRIMARY_URL: envVarMeta('DB_PRIMARY_URL')?.hint,
        HEALTH_DETAILS_TOKEN: envVarMeta('HEALTH_DETAILS_TOKEN')?.example,
      });
      assert.deepEqual(error.variables.sort(), ['DB_PRIMARY_URL', 'HEALTH_DETAILS_TOKEN']);
      assert.match(error.message, /placeholder/);
    });

    it('allows the same placeholders in development', () => {
      assert.doesNotThrow(() => load({ HEALTH_DETAILS_TOKEN: envVarMeta('HEALTH_DETAILS_TOKEN')?.example }));
    });
  });

  describe('ENC(...) values', () => {
    const keyText = generateMasterKey();
    const key = parseMasterKey(keyText);

    it('decrypts any variable with CONFIG_MASTER_KEY', () => {
      const { env } = load({
        CONFIG_MASTER_KEY: keyText,
        PORT: encryptSecret('4000', key),
        HEALTH_DETAILS_TOKEN: encryptSecret('token-0123456789abcdef', key),
      });
      assert.equal(env.PORT, 4000);
      assert.equal(env.HEALTH_DETAILS_TOKEN, 'token-0123456789abcdef');
    });

    it('reads the key from CONFIG_MASTER_KEY_FILE', () => {
      const files = { readFile: (path: string) => (path === '/run/secrets/key' ? `${keyText}\n` : '') };
      const { env } = load(
        { CONFIG_MASTER_KEY_FILE: '/run/secrets/key', MARKET_DATA_API_KEY: encryptSecret('k-123', key) },
        files,
      );
      assert.equal(env.MARKET_DATA_API_KEY, 'k-123');
    });

    it('names the variable, never the value, when the key is wrong', () => {
      const other = generateMasterKey();
      const error = failure({
        CONFIG_MASTER_KEY: other,
        DB_PRIMARY_URL: encryptSecret('postgres://u:TopSecret1@h/db', key),
      });
      assert.deepEqual(error.variables, ['DB_PRIMARY_URL']);
      assert.equal(error.problems[0].rule, 'decrypt');
      assert.doesNotMatch(error.message, /TopSecret1|v1:/);
    });

    it('reports tampered and truncated values as well as a missing key, all at once', () => {
      const good = encryptSecret('token-0123456789abcdef', key);
      const error = failure({
        CONFIG_MASTER_KEY: keyText,
        // Flip one character well inside the payload (the last one may carry only padding bits).
        HEALTH_DETAILS_TOKEN: good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21),
        INFLUX_TOKEN: good.slice(0, 15) + ')',
      });
      assert.deepEqual(error.variables.sort(), ['HEALTH_DETAILS_TOKEN', 'INFLUX_TOKEN']);
      assert.deepEqual(
        failure({ INFLUX_TOKEN: good }).problems.map((p) => p.message),
        ['holds ENC(...) but neither CONFIG_MASTER_KEY nor CONFIG_MASTER_KEY_FILE is set'],
      );
    });

    it('rejects an unreadable key file, a malformed key, and both key settings at once', () => {
      assert.deepEqual(failure({ CONFIG_MASTER_KEY_FILE: '/nope' }).variables, ['CONFIG_MASTER_KEY_FILE']);
      assert.deepEqual(failure({ CONFIG_MASTER_KEY: 'too-short' }).variables, ['CONFIG_MASTER_KEY']);
      assert.doesNotMatch(failure({ CONFIG_MASTER_KEY: 'too-short' }).message, /too-short/);
      assert.deepEqual(failure({ CONFIG_MASTER_KEY: keyText, CONFIG_MASTER_KEY_FILE: '/k' }).variables, [
        'CONFIG_MASTER_KEY_FILE',
      ]);
    });

    it('lists the plain secrets, URL passwords included, for redaction', () => {
      const { secrets } = load({
        CONFIG_MASTER_KEY: keyText,
        DB_PRIMARY_URL: encryptSecret('postgres://app:p%40ssWord9@db/x', key),
        HEALTH_DETAILS_TOKEN: 'token-0123456789abcdef',
      });
      for (const s of ['p%40ssWord9', 'p@ssWord9', 'token-0123456789abcdef', keyText])
        assert.ok(secrets.includes(s), s);
    });
  });

  describe('.env.example', () => {
    const example = parseEnv(readFileSync('.env.example', 'utf8'));

    it('lists every variable with the example value declared in the schema', () => {
      for (const name of envVarNames()) {
        assert.ok(name in example, `${name} missing from .env.example`);
        assert.equal(example[name], envVarMeta(name)?.example ?? '', `${name} differs from its schema example`);
      }
    });

    it('lists nothing the schema does not know', () => {
      assert.deepEqual(
        Object.keys(example).filter((name) => !envVarNames().includes(name)),
        [],
      );
    });

    it('boots as it is in development', () => {
      assert.doesNotThrow(() => load(example));
    });
  });
});
