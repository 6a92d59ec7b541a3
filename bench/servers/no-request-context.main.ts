import 'reflect-metadata';
import { startServer } from '../../src/server.js';

// The same app without request-scoped logs (no AsyncLocalStorage around requests): the baseline
// that tells what they cost.
await startServer({ requestContext: false });
