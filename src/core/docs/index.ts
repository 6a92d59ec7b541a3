export { serveOpenApi, DOCS_PATH, DOCS_JSON_PATH, type OpenApiOptions, type ServeOpenApiOptions } from './openapi.js';
export { DocsModule } from './docs.module.js';
export { docsConfig, DocsEnv } from './docs.config.js';
