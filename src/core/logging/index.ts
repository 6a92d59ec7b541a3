export { LoggingModule } from './logging.module.js';
export { loggingConfig, LoggingEnv, type LogLevel } from './logging.config.js';
