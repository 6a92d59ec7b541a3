import './runtime.guard.js';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from './core/config/index.js';
import { startServer } from './server.js';

startServer().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    // One message naming every problem; no stack trace to bury it.
    process.stderr.write(`${error.message}\n`);
  } else {
    new Logger('Bootstrap').fatal('boot failed', error instanceof Error ? error.stack : String(error));
  }
  process.exit(1);
});
