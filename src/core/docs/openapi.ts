import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const DESCRIPTION = [
  'The core of a trading backend. Every error answers with one body (`ErrorResponseBody`) and an `x-request-id` header.',
  'A 503 always carries `Retry-After`. Writes are idempotent: `POST /orders` on `clientOrderId`, cancels on the order id.',
].join(' ');

// Registered on Fastify directly (so no guard or interceptor can block it), hence unseen by the scanner.
const LIVENESS: OpenAPIObject['paths'][string] = {
  get: {
    tags: ['health'],
    summary: 'Liveness: checks no dependency',
    operationId: 'liveness',
    responses: {
      '200': {
        description: 'Alive',
        content: {
          'application/json': { schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
        },
      },
      '503': {
        description: 'Shutting down, or the event loop has stalled past HEALTH_EVENT_LOOP_STALL_MS',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                status: { type: 'string', enum: ['shutting_down', 'error'] },
                reason: { type: 'string' },
                lagMs: { type: 'number' },
              },
            },
          },
        },
      },
    },
  },
};

/** The service's version: the nearest package.json above this module (in dist/, the test build or the bundle). */
function serviceVersion(): string {
  for (let up = './'; up.length < 20; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'trading-service-core') return pkg.version;
    } catch {
      // not there: one level further up
    }
  }
  return '0.0.0';
}

/** The OpenAPI 3 description of every route, from the controllers' DTOs and decorators. */
export function buildOpenApiDocument(app: INestApplication, version = serviceVersion()): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('trading-service-core')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT from AUTH_ISSUER (AUTH_MODE=jwt); HEALTH_DETAILS_TOKEN for /health details and /admin',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  document.paths = { '/health/live': LIVENESS, ...document.paths };
  return document;
}

/** Serves the description at /docs (Swagger UI) and /docs-json, built once on first request. */
export function serveOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(DOCS_PATH, app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
  });
}
