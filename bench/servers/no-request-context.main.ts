import 'reflect-metadata';
import type { CallHandler } from '@nestjs/common';
import { RequestContextInterceptor } from '../../src/core/common/index.js';
import { startServer } from '../../src/server.js';

// The same app with the request-context interceptor reduced to a pass-through: the baseline that
// tells what request-scoped logs (an AsyncLocalStorage run around each handler) cost.
RequestContextInterceptor.prototype.intercept = (_context: unknown, next: CallHandler) => next.handle();

await startServer();
