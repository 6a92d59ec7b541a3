export { serveOpenApi, DOCS_PATH, DOCS_JSON_PATH, type OpenApiText } from './openapi.js';
export { DocsModule } from './docs.module.js';
export { docsConfig, DocsEnv } from './docs.config.js';
