import { IsIn, IsOptional } from 'class-validator';
import { EnvVar, featureConfig } from '../config/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the service logs, and how. */
export class LoggingEnv {
  @EnvVar({ group: 'app', description: 'fatal | error | warn | log | debug | verbose', example: 'log' })
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  @EnvVar({ group: 'app', description: 'json | pretty (empty: json in production, pretty otherwise)', example: '' })
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';
}

export const loggingConfig = featureConfig('logging', LoggingEnv, (e, profile) => ({
  level: e.LOG_LEVEL,
  format: e.LOG_FORMAT ?? (profile.isProduction ? 'json' : 'pretty'),
}));
