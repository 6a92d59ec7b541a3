import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AppLogger, ErrorTranslators } from '../common/index.js';
import { appConfig } from '../config/index.js';

/** The service's logger (redacting, JSON or text) and the error translators, for every module. */
@Global()
@Module({
  providers: [
    {
      provide: AppLogger,
      inject: [appConfig.KEY],
      useFactory: (app: ConfigType<typeof appConfig>) => new AppLogger({ format: app.logFormat, level: app.logLevel }),
    },
    ErrorTranslators,
  ],
  exports: [AppLogger, ErrorTranslators],
})
export class LoggingModule {}
