import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { secretRedactor } from '../common/index.js';
import { type RawEnvironment, loadEnvironment } from './env.loader.js';
import { setCurrentEnvironment } from './environment.holder.js';
import { CONFIG_NAMESPACES } from './namespaces.config.js';
import { readKeyFile, readRawEnvironment } from './raw-environment.js';

export interface AppConfigOptions {
  /** The environment to validate; default: `process.env` over `.env`. Tests pass their own. */
  env?: RawEnvironment;
}

/**
 * Validates the whole environment once, synchronously, before any provider exists, and exposes it
 * as typed `registerAs` namespaces. A bad environment throws ConfigValidationError naming every problem.
 */
@Module({})
export class AppConfigModule {
  static forRoot(options: AppConfigOptions = {}): DynamicModule {
    const loaded = loadEnvironment(options.env ?? readRawEnvironment(), { readFile: readKeyFile });
    setCurrentEnvironment(loaded.env, loaded.features);
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
          load: CONFIG_NAMESPACES,
        }),
      ],
    };
  }
}
