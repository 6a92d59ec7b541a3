import { Global, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { AppLogger, ErrorTranslators } from '../common/index.js';
import { loggingConfig } from './logging.config.js';

/** The service's logger (redacting, JSON or text) and the error translators, for every module. */
@Global()
@Module({
  imports: [ConfigModule.forFeature(loggingConfig)],
  providers: [
    {
      provide: AppLogger,
      inject: [loggingConfig.KEY],
      useFactory: (logging: ConfigType<typeof loggingConfig>) =>
        new AppLogger({ format: logging.format, level: logging.level }),
    },
    ErrorTranslators,
  ],
  exports: [AppLogger, ErrorTranslators],
})
export class LoggingModule {}
