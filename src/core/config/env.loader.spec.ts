import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { IsDefined, IsInt, IsOptional, IsString, Min, ValidateIf } from 'class-validator';
import { appConfig } from './app.config.js';
import { ConfigValidationError } from './config-validation.error.js';
import { EnvVar } from './env.metadata.js';
import { loadEnvironment, type RawEnvironment } from './env.loader.js';
import { ToInt } from './env.transforms.js';
import { featureConfig } from './feature-config.js';
import { moduleConfigs } from './module-configs.js';
import { profileOf } from './profile.js';

// The loader's mechanics on two made-up modules; the app's own variables are specified in
// test/config/app-config.spec.ts.
class WidgetsEnv {
  @EnvVar({ group: 'widgets', description: 'Widgets per box', example: '4' })
  @ToInt()
  @IsInt()
  @Min(1)
  WIDGETS_PER_BOX = 4;

  @EnvVar({ group: 'widgets', description: 'Signing key', secret: 'secret', example: 'change-me-widgets' })
  @ValidateIf((env: WidgetsEnv) => profileOf(env).isProduction || env.WIDGETS_KEY !== undefined)
  @IsDefined({ message: 'must be set in production' })
  @IsString()
  WIDGETS_KEY?: string;
}

const widgetsConfig = featureConfig('widgets', WidgetsEnv, (e, profile) => ({
  perBox: e.WIDGETS_PER_BOX,
  strict: profile.isProduction,
}));

class GadgetsEnv {
  @EnvVar({ group: 'gadgets', description: 'Gadgets per box, at most the widgets', example: '' })
  @IsOptional()
  @ToInt()
  @IsInt()
  GADGETS_PER_BOX?: number;
}

const gadgetsConfig = featureConfig('gadgets', GadgetsEnv, (e) => ({ perBox: e.GADGETS_PER_BOX }), {
  // A rule across two modules: reads the other's validated variables through the context.
  rules: (e, context) =>
    e.GADGETS_PER_BOX !== undefined && e.GADGETS_PER_BOX > context.env(WidgetsEnv).WIDGETS_PER_BOX
      ? [{ variable: 'GADGETS_PER_BOX', rule: 'range', message: 'must be at most WIDGETS_PER_BOX' }]
      : [],
});

const noFiles = { readFile: () => '' };
const configs = [appConfig, widgetsConfig, gadgetsConfig];

function failure(raw: RawEnvironment, options = { ...noFiles, configs }): ConfigValidationError {
  try {
    loadEnvironment(raw, options);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('configuration was accepted');
}

describe('loadEnvironment', () => {
  it('builds each config from its own validated variables and the profile', () => {
    const loaded = loadEnvironment({ WIDGETS_PER_BOX: '6', NODE_ENV: 'test' }, { ...noFiles, configs });
    assert.deepEqual(loaded.config(widgetsConfig), { perBox: 6, strict: false });
    assert.equal(loaded.env(WidgetsEnv).WIDGETS_PER_BOX, 6);
    assert.equal(loaded.profile.nodeEnv, 'test');
    assert.equal('PORT' in loaded.env(WidgetsEnv), false, 'a schema sees its own variables only');
  });

  it('names the problems of every module, class rules and rules across modules, at once', () => {
    const error = failure({ PORT: 'abc', WIDGETS_PER_BOX: '2', GADGETS_PER_BOX: '3', NODE_ENV: 'production' });
    assert.deepEqual(error.variables.sort(), ['GADGETS_PER_BOX', 'PORT', 'WIDGETS_KEY']);
    assert.match(error.message, /WIDGETS_KEY=\(unset\): must be set in production \[isDefined\]/);
    assert.match(error.message, /GADGETS_PER_BOX="3": must be at most WIDGETS_PER_BOX \[range\]/);
  });

  it('reads only the configs it is given: the variables of another module are not validated', () => {
    assert.doesNotThrow(() => loadEnvironment({ WIDGETS_PER_BOX: '0' }, { ...noFiles, configs: [appConfig] }));
  });

  it('refuses a placeholder secret in production, whichever module declares it', () => {
    const error = failure({ NODE_ENV: 'production', WIDGETS_KEY: 'change-me-widgets' });
    assert.deepEqual(error.variables, ['WIDGETS_KEY']);
    assert.equal(error.problems[0].rule, 'production');
  });

  it('refuses two modules declaring one variable: a programming error, thrown as such', () => {
    class Twin {
      @EnvVar({ group: 'twin', description: 'again' })
      @IsOptional()
      WIDGETS_PER_BOX?: string;
    }
    const twin = featureConfig('twin', Twin, (e) => e);
    assert.throws(
      () => loadEnvironment({}, { ...noFiles, configs: [widgetsConfig, twin] }),
      /WIDGETS_PER_BOX is declared by both/,
    );
  });
});

describe('moduleConfigs', () => {
  it('finds the configs declared with ConfigModule.forFeature through the imports, each once', () => {
    @Module({ imports: [ConfigModule.forFeature(gadgetsConfig)] })
    class GadgetsModule {}
    @Module({ imports: [ConfigModule.forFeature(widgetsConfig), GadgetsModule] })
    class WidgetsModule {}
    @Module({})
    class Unrelated {}
    const found = moduleConfigs([
      WidgetsModule,
      { module: Unrelated, imports: [GadgetsModule] },
      { forwardRef: () => WidgetsModule },
    ]);
    assert.deepEqual(found, [widgetsConfig, gadgetsConfig]);
    assert.deepEqual(moduleConfigs([Unrelated]), [], 'a module left out leaves its variables out');
  });
});
