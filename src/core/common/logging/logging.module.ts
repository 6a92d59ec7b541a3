import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../../config/namespaces.config.js';
import { ErrorTranslators } from '../errors/error-translators.js';
import { AppLogger } from './app-logger.js';

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
