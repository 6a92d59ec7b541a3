export { serveOpenApi, DOCS_PATH, DOCS_JSON_PATH } from './openapi.js';
