import './runtime.guard.js';
import 'reflect-metadata';
import { createCli } from './cli.js';

// `npm run migration:run`, `npm run journal:drain -- FILE`, `npm run journal:dead-letters -- list`:
// the operator commands over the service's own modules. A team with its own entry point runs
// `createCli({ imports })` with its module list instead (see docs/commands.md).
void createCli().run();
