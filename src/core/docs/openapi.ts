import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { applyContract } from './contract.js';
import { allowDocsOrigin } from './docs-cors.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

// What holds for every route; the app adds what its own modules promise (OpenApiText).
const CORE_DESCRIPTION =
  'Every error answers with one body (`ErrorResponseBody`) and an `x-request-id` header. A 503 always carries `Retry-After`.';

/**
 * What the app tells the document: its own words around the core's (a summary first, then what
 * its modules' routes promise), and the settings of other modules the document depends on. Given
 * by the app (src/app.factory.ts), so that core/docs imports no other module.
 */
export interface OpenApiOptions {
  summary?: string;
  notes?: readonly string[];
  /** AUTH_MODE=none: bearer auth is then optional in the document. */
  authOptional?: boolean;
}

export interface ServeOpenApiOptions extends OpenApiOptions {
  /** PORT, where "Try it out" sends requests when the document is served on the management port. */
  mainPort: number;
  /** MANAGEMENT_PORT, when the document is served there. */
  managementPort?: number;
}

// Relative: right on whatever origin serves the document, behind any proxy.
const SAME_ORIGIN = { url: '/', description: 'The origin that served this document' };

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
export function buildOpenApiDocument(
  app: INestApplication,
  options: OpenApiOptions = {},
  version = serviceVersion(),
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('trading-service-core')
    .setDescription([options.summary, CORE_DESCRIPTION, ...(options.notes ?? [])].filter(Boolean).join(' '))
    .setVersion(version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT from AUTH_ISSUER (AUTH_MODE=jwt); HEALTH_DETAILS_TOKEN for /health details and /admin',
    })
    .addServer(SAME_ORIGIN.url, SAME_ORIGIN.description)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  document.paths = { '/health/live': LIVENESS, ...document.paths };
  return applyContract(document, { authOptional: options.authOptional === true });
}

/**
 * With MANAGEMENT_PORT set, the document is served on the management port, where the API is not:
 * its server is then the main port on the host the document was asked of (`Host`, validated as a
 * host name), so Swagger UI's "Try it out" reaches the routes. Without it, `/`.
 */
export function serverFor(request: FastifyRequest, mainPort: number): OpenAPIObject['servers'] {
  const hostname = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:\d{1,5})?$/.exec(request.headers.host ?? '')?.[1];
  if (!hostname) return [SAME_ORIGIN];
  return [
    {
      url: `${request.protocol}://${hostname}:${mainPort}`,
      description: 'The main port (MANAGEMENT_PORT serves only probes, metrics and docs)',
    },
  ];
}

/** Serves the description at /docs (Swagger UI) and /docs-json, built once on first request. */
export function serveOpenApi(app: INestApplication, options: ServeOpenApiOptions): void {
  let document: OpenAPIObject | undefined;
  const { mainPort, managementPort } = options;
  if (managementPort !== undefined) allowDocsOrigin(app, managementPort);
  SwaggerModule.setup(DOCS_PATH, app, () => (document ??= buildOpenApiDocument(app, options)), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    ...(managementPort !== undefined && {
      patchDocumentOnRequest: <TRequest>(request: TRequest, _reply: unknown, built: OpenAPIObject) => ({
        ...built,
        servers: serverFor(request as FastifyRequest, mainPort),
      }),
    }),
  });
}
