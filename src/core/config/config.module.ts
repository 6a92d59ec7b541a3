import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { secretRedactor } from '../common/index.js';
import { appConfig } from './app.config.js';
import { type RawEnvironment, loadEnvironment } from './env.loader.js';
import { setCurrentEnvironment } from './environment.holder.js';
import type { AnyModuleConfig } from './feature-config.js';
import { moduleConfigs } from './module-configs.js';
import { readKeyFile, readRawEnvironment } from './raw-environment.js';

export interface AppConfigOptions {
  /** The environment to validate; default: `process.env` over `.env`. Tests pass their own. */
  env?: RawEnvironment;
}

type ModuleList = NonNullable<ModuleMetadata['imports']>;

/** What the app reads: the app's own HTTP settings, then the config each module declares. */
export function appConfigs(modules: ModuleList): AnyModuleConfig[] {
  return [...new Set([appConfig, ...moduleConfigs(modules)])];
}

/**
 * Validates the variables of every module of the app once, synchronously, before any provider
 * exists, and exposes each module's config as its typed `registerAs` namespace. A module's config
 * is found through the `ConfigModule.forFeature(config)` in its imports; a bad environment throws
 * ConfigValidationError naming every problem of every module.
 */
@Module({})
export class AppConfigModule {
  static forRoot(options: AppConfigOptions & { modules: ModuleList }): DynamicModule {
    const configs = appConfigs(options.modules);
    const loaded = loadEnvironment(options.env ?? readRawEnvironment(), { readFile: readKeyFile, configs });
    setCurrentEnvironment(loaded.envs, loaded.profile);
    secretRedactor.register(loaded.secrets);
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        NestConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          // Global as well, as before: a provider may inject the config of a module it does not import.
          load: configs,
        }),
      ],
    };
  }
}
