import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { freePort, InProcessApp, TEST_TOKEN, limitOrder } from '../harness/index.js';

type Operation = { responses: Record<string, unknown>; security?: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };
type Schema = {
  type?: string;
  maximum?: number;
  example?: unknown;
  enum?: unknown[];
  required?: string[];
  additionalProperties?: unknown;
  properties?: Record<string, Schema & { 'x-max-decimals'?: number }>;
};

/** `/orders/:id/cancel` as OpenAPI writes it: `/orders/{id}/cancel`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const order = (clientOrderId: string, quantity = 1) => limitOrder(clientOrderId, { quantity });
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const admin = { authorization: `Bearer ${TEST_TOKEN}` };

describe('OpenAPI description', () => {
  let app: InProcessApp;
  let down: InProcessApp;
  let document: Document;
  const registered: Array<{ method: string; url: string }> = [];

  before(async () => {
    app = await InProcessApp.start({}, undefined, [], (nest) => {
      nest
        .getHttpAdapter()
        .getInstance()
        .addHook('onRoute', (route) => {
          for (const method of [route.method].flat())
            if (method !== 'HEAD' && method !== 'OPTIONS') registered.push({ method, url: route.url });
        });
    });
    // Postgres configured but down: the answers only a lost database gives (503 with Retry-After).
    down = await InProcessApp.start({ DB_PRIMARY_URL: `postgres://u@127.0.0.1:${await freePort()}/db` });
    const res = await app.request({ method: 'GET', url: '/docs-json' });
    assert.equal(res.statusCode, 200);
    document = res.json();
  });

  after(async () => {
    await app?.close();
    await down?.close();
  });

  it('validates against the OpenAPI 3 schema', async () => {
    const result = await new Validator().validate(document as never);
    assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
    assert.equal(result.valid, true);
    assert.match(document.openapi, /^3\./);
  });

  it('describes every route the app registers', () => {
    const routes = registered.filter((r) => !r.url.startsWith('/docs'));
    assert.ok(routes.length >= 10, `saw ${routes.length} routes`);
    const missing = routes
      .filter((r) => !document.paths[openApiPath(r.url)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, []);
  });

  it('serves the UI at /docs', async () => {
    const res = await app.request({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
  });

  // Each error a route can really answer, provoked here, must be in its documented responses.
  const answers: Array<{
    method: 'GET' | 'POST';
    route: string;
    url: string;
    status: number;
    on?: 'down';
    payload?: object;
    headers?: Record<string, string>;
    before?: (app: InProcessApp) => Promise<unknown>;
  }> = [
    { method: 'POST', route: '/orders', url: '/orders', status: 400, payload: { ...order('doc-1'), quantity: -1 } },
    {
      method: 'POST',
      route: '/orders',
      url: '/orders',
      status: 409,
      payload: order('doc-2', 2),
      before: (a) => a.request({ method: 'POST', url: '/orders', payload: order('doc-2', 1) }),
    },
    { method: 'POST', route: '/orders', url: '/orders', status: 201, payload: order('doc-3') },
    { method: 'POST', route: '/orders', url: '/orders', status: 200, payload: order('doc-3') },
    { method: 'POST', route: '/orders/:id/cancel', url: '/orders/not-a-uuid/cancel', status: 400 },
    { method: 'POST', route: '/orders/:id/cancel', url: `/orders/${UNKNOWN_ID}/cancel`, status: 404 },
    { method: 'POST', route: '/orders/:id/cancel', url: `/orders/${UNKNOWN_ID}/cancel`, status: 503, on: 'down' },
    { method: 'GET', route: '/orders/:id', url: '/orders/not-a-uuid', status: 400 },
    { method: 'GET', route: '/orders/:id', url: `/orders/${UNKNOWN_ID}`, status: 404 },
    { method: 'GET', route: '/orders/:id', url: `/orders/${UNKNOWN_ID}`, status: 503, on: 'down' },
    { method: 'GET', route: '/orders', url: '/orders?limit=0', status: 400 },
    { method: 'GET', route: '/orders', url: '/orders?cursor=forged', status: 400 },
    { method: 'GET', route: '/orders', url: '/orders', status: 503, on: 'down' },
    { method: 'GET', route: '/quotes/:symbol', url: '/quotes/NOPE', status: 400 },
    { method: 'GET', route: '/health/ready', url: '/health/ready', status: 200 },
    {
      method: 'GET',
      route: '/health',
      url: '/health',
      status: 401,
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    },
    { method: 'GET', route: '/admin/circuit-breakers', url: '/admin/circuit-breakers', status: 401 },
    {
      method: 'GET',
      route: '/admin/circuit-breakers/:name',
      url: '/admin/circuit-breakers/nope',
      status: 404,
      headers: admin,
    },
    {
      method: 'POST',
      route: '/admin/circuit-breakers/:name/:action',
      url: '/admin/circuit-breakers/marketData/explode',
      status: 400,
      headers: admin,
    },
    {
      method: 'POST',
      route: '/admin/circuit-breakers/:name/:action',
      url: '/admin/circuit-breakers/nope/reset',
      status: 404,
      headers: admin,
    },
  ];

  it('documents each error status a route really answers', async () => {
    const problems: string[] = [];
    for (const a of answers) {
      const target = a.on === 'down' ? down : app;
      await a.before?.(target);
      const res = await target.request({ method: a.method, url: a.url, payload: a.payload, headers: a.headers });
      const documented = Object.keys(document.paths[openApiPath(a.route)]?.[a.method.toLowerCase()]?.responses ?? {});
      if (res.statusCode !== a.status)
        problems.push(
          `${a.method} ${a.url} answered ${res.statusCode}, expected ${a.status}: ${res.body.slice(0, 200)}`,
        );
      else if (!documented.includes(String(a.status)))
        problems.push(`${a.method} ${a.route} answers ${a.status}, documented ${documented.join(',')}`);
      if (res.statusCode === 503) assert.ok(res.headers['retry-after'], `${a.url}: 503 with Retry-After`);
    }
    assert.deepEqual(problems, []);
  });

  it('documents 400, 404, 409 and 503 where the service can give them, and bearer auth on protected routes', () => {
    const codes = (path: string, method: string) => Object.keys(document.paths[path][method].responses);
    for (const code of ['400', '409', '503', '401', '403', '429'])
      assert.ok(codes('/orders', 'post').includes(code), `POST /orders ${code}`);
    for (const code of ['400', '404', '503'])
      assert.ok(codes('/orders/{id}', 'get').includes(code), `GET /orders/{id} ${code}`);
    assert.ok(codes('/health/ready', 'get').includes('503'));
    assert.ok(codes('/health/live', 'get').includes('503'));
    assert.ok(document.paths['/orders'].post.security?.length, 'POST /orders needs a bearer token');
    assert.deepEqual(document.paths['/health/ready'].get.security, [], 'probes need no token');
    assert.deepEqual(document.paths['/health'].get.security, [{}, { bearer: [] }], '/health answers without a token');
  });

  it('declares what the service enforces: integers, maximums, closed bodies, the decimals rule', () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;
    const limit = (
      document.paths['/orders'].get as unknown as { parameters: Array<{ name: string; schema: Schema }> }
    ).parameters.find((p) => p.name === 'limit');
    assert.deepEqual([limit?.schema.type, limit?.schema.maximum], ['integer', 500]);
    const body = schemas.CreateOrderDto;
    assert.equal(body.additionalProperties, false);
    for (const amount of ['quantity', 'limitPrice']) {
      assert.equal(body.properties?.[amount].maximum, 1_000_000_000, amount);
      assert.equal(body.properties?.[amount]['x-max-decimals'], 8, amount);
    }
    assert.equal(schemas.ErrorResponseBody.additionalProperties, false);
    assert.deepEqual(schemas.ErrorResponseBody.required, ['statusCode', 'error', 'code', 'message', 'requestId']);
  });

  it('documents the answers every route can give, and x-request-id on each', () => {
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item)) {
        const codes = Object.keys(operation.responses);
        for (const code of ['400', '408', '431', '500', 'default'])
          assert.ok(codes.includes(code), `${method} ${path} ${code}`);
        if (method === 'post' && path === '/orders') assert.ok(codes.includes('413') && codes.includes('415'));
        if (path.includes('{')) assert.ok(codes.includes('414'), `${method} ${path} 414`);
        for (const [code, response] of Object.entries(operation.responses))
          assert.ok((response as { headers?: object }).headers?.['x-request-id' as never], `${method} ${path} ${code}`);
      }
  });

  it('has a servers entry right on either port', async () => {
    assert.deepEqual(
      (document as unknown as { servers: Array<{ url: string }> }).servers.map((s) => s.url),
      ['/'],
    );
    const port = await freePort();
    const management = await freePort();
    const split = await InProcessApp.start({ PORT: String(port), MANAGEMENT_PORT: String(management) });
    try {
      const res = await fetch(`http://127.0.0.1:${management}/docs-json`);
      assert.equal(res.status, 200);
      const servers = ((await res.json()) as { servers: Array<{ url: string }> }).servers;
      assert.deepEqual(
        servers.map((s) => s.url),
        [`http://127.0.0.1:${port}`],
        'Swagger UI there posts to the main port',
      );
      // Another origin to a browser: the main port lets that one (same host, MANAGEMENT_PORT) call it.
      const ui = `http://127.0.0.1:${management}`;
      const host = `127.0.0.1:${port}`;
      const preflight = (origin: string) =>
        split.request({
          method: 'OPTIONS',
          url: '/orders',
          headers: { origin, host, 'access-control-request-method': 'POST' },
        });
      const allowed = await preflight(ui);
      assert.equal(allowed.statusCode, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], ui);
      for (const other of [`http://evil.test:${management}`, `http://127.0.0.1:${port + 1}`])
        assert.equal((await preflight(other)).headers['access-control-allow-origin'], undefined, other);
      const call = await split.request({ method: 'GET', url: '/orders', headers: { origin: ui, host } });
      assert.equal(call.statusCode, 200);
      assert.match(String(call.headers['access-control-expose-headers']), /x-request-id/);
    } finally {
      await split.close();
    }
  });

  it('prefills examples that succeed: POST /orders with the body Swagger UI builds from them', async () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;
    const example = Object.fromEntries(
      Object.entries(schemas.CreateOrderDto.properties ?? {}).map(([name, p]) => [name, p.example ?? p.enum?.[0]]),
    );
    const res = await app.request({ method: 'POST', url: '/orders', payload: example });
    assert.ok([200, 201].includes(res.statusCode), res.body);
  });
});

describe('DOCS_ENABLED', () => {
  it('is off in production unless set, and DOCS_ENABLED=false turns it off anywhere', async () => {
    const off = await InProcessApp.start({ DOCS_ENABLED: 'false' });
    try {
      assert.equal((await off.request({ method: 'GET', url: '/docs-json' })).statusCode, 404);
      assert.equal((await off.request({ method: 'GET', url: '/docs' })).statusCode, 404);
    } finally {
      await off.close();
    }
    const { loadEnvironment } = await import('../../src/core/config/index.js');
    const { docsConfig } = await import('../../src/core/docs/index.js');
    const docs = (raw: Record<string, string>) =>
      loadEnvironment(raw, { readFile: () => '', configs: [docsConfig] }).config(docsConfig);
    assert.equal(docs({ NODE_ENV: 'production' }).enabled, false);
    assert.equal(docs({ NODE_ENV: 'development' }).enabled, true);
    assert.equal(docs({ NODE_ENV: 'production', DOCS_ENABLED: 'true' }).enabled, true);
  });
});
