import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const EXPOSED = 'x-request-id, retry-after, www-authenticate';
const ALLOWED_HEADERS = 'authorization, content-type';
const ALLOWED_METHODS = 'GET, POST';

/**
 * With MANAGEMENT_PORT set, Swagger UI is served there and its "Try it out" calls the main port:
 * another origin to a browser. The main port then answers CORS for that one origin (the same host
 * name the call was sent to, on MANAGEMENT_PORT) and no other: a preflight is answered 204, and the answer to the call
 * itself exposes `x-request-id` and `Retry-After`. Installed only when docs are on and the ports
 * are split, so a production instance with docs off pays nothing.
 */
export function allowDocsOrigin(app: INestApplication, managementPort: number): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const origin = request.headers.origin;
    if (origin === undefined || !isDocsOrigin(origin, request.hostname, managementPort)) return done();
    void reply.header('access-control-allow-origin', origin).header('vary', 'origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      void reply
        .status(204)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send();
      return;
    }
    void reply.header('access-control-expose-headers', EXPOSED);
    done();
  });
}

/** The UI's origin: the host name this request was sent to, on the management port. */
function isDocsOrigin(origin: string, hostname: string, managementPort: number): boolean {
  try {
    const url = new URL(origin);
    return url.port === String(managementPort) && url.hostname === hostname.replace(/:\d+$/, '');
  } catch {
    return false;
  }
}
