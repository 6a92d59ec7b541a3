import 'reflect-metadata';
import { appModules } from './app.module.js';
import { appConfigs, renderEnvExample } from './core/config/index.js';

// Prints .env.example from the schemas of the app's modules: `npm run --silent config:example > .env.example`.
// A unit test (test/config/app-config.spec.ts) fails when the committed file and the schemas disagree.
process.stdout.write(renderEnvExample(appConfigs(appModules())));
