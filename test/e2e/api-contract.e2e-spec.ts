import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppProcess,
  JwksIssuer,
  MAIN_ENTRY,
  PostgresCluster,
  PrismProxy,
  type PrismExchange,
  freePort,
  limitOrder,
  makeTempDir,
  rawHttp,
  removeDir,
  waitFor,
} from '../harness/index.js';

type Mode = 'off' | 'jwt';
type Kind = 'valid' | 'invalid' | 'hostile';
interface Case {
  kind: Kind;
  method: 'GET' | 'POST';
  path: string;
  /** The documented path it exercises, for the coverage check. */
  route: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Service {
  mode: Mode;
  app: AppProcess;
  strict: PrismProxy;
  open: PrismProxy;
  document: { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> } };
}
interface Schema {
  required?: string[];
  properties?: Record<string, { type?: string }>;
  additionalProperties?: unknown;
}

const DETAILS_TOKEN = 'contract-details-token-0123456789';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const WRITES_PER_MINUTE = 30;
const admin = { authorization: `Bearer ${DETAILS_TOKEN}` };
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });

/**
 * Every route with valid, invalid and hostile requests. `auth` are the headers of a caller with
 * every scope (none with AUTH_MODE=none); `tag` keeps clientOrderIds apart between runs.
 */
async function casesFor(
  service: Service,
  tag: string,
  auth: Record<string, string>,
  extra: Case[] = [],
): Promise<Case[]> {
  const order = (id: string, overrides: Record<string, unknown> = {}) => limitOrder(`${tag}-${id}`, overrides);
  // The ids the other cases need: an order, and a breaker.
  const created = await service.strict.send('POST', '/orders', { body: order('seed'), headers: auth });
  const id = (JSON.parse(created.body) as { id?: string }).id ?? UNKNOWN_ID;
  const breakers = await service.strict.send('GET', '/admin/circuit-breakers', { headers: admin });
  const breaker = (JSON.parse(breakers.body) as { breakers: Array<{ name: string }> }).breakers[0]?.name ?? 'none';
  const post = (kind: Kind, body: unknown, headers = auth): Case => ({
    kind,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body,
    headers,
  });
  const get = (kind: Kind, path: string, route: string, headers = auth): Case => ({
    kind,
    method: 'GET',
    path,
    route,
    headers,
  });
  return [
    get('valid', '/health/live', '/health/live', {}),
    get('valid', '/health/ready', '/health/ready', {}),
    get('valid', '/health', '/health', {}),
    get('valid', '/health', '/health', admin),
    get('invalid', '/health', '/health', { authorization: 'Bearer wrong-token-0123456789' }),
    get('valid', '/metrics', '/metrics', {}),
    post('valid', order('new')),
    post('valid', order('seed')),
    post('valid', order('market', { type: 'market', limitPrice: undefined })),
    post('invalid', order('bad', { quantity: -1, side: 'hold', symbol: 7 })),
    post('invalid', order('unknown-field', { note: 'hi' })),
    post('invalid', order('market-priced', { type: 'market' })),
    post('invalid', order('not-traded', { symbol: 'NOPE' })),
    post('invalid', order('decimals', { quantity: 1e-9 })),
    post('invalid', order('notional', { quantity: 900_000_000 })),
    // While Postgres is down the journal accepts the same clientOrderId with other terms (201):
    // the conflict is a 409 only with a writer, so that case belongs to the `up` runs.
    ...(tag.endsWith('-up') ? [post('invalid', order('seed', { quantity: 2 }))] : []),
    post('invalid', {}),
    post('hostile', nested(40)),
    post('hostile', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))),
    post('hostile', order('long', { symbol: 'x'.repeat(5000) })),
    post('hostile', { ...order('array'), quantity: Array.from({ length: 2000 }, () => 1) }),
    post('hostile', [order('in-an-array')]),
    post('hostile', JSON.parse('{"__proto__":{"admin":true},"clientOrderId":"proto"}')),
    post('hostile', order('too-large', { clientOrderId: 'y'.repeat(20_000) })),
    get('valid', '/orders', '/orders'),
    get('valid', '/orders?limit=1&symbol=AAPL', '/orders'),
    get('invalid', '/orders?limit=0', '/orders'),
    get('invalid', '/orders?limit=1.5', '/orders'),
    get('invalid', '/orders?limit=abc', '/orders'),
    get('invalid', '/orders?cursor=forged', '/orders'),
    get('invalid', '/orders?extra=1', '/orders'),
    get('hostile', `/orders?symbol=${encodeURIComponent('<script>')}`, '/orders'),
    get('valid', `/orders/${id}`, '/orders/{id}'),
    get('invalid', `/orders/${UNKNOWN_ID}`, '/orders/{id}'),
    get('invalid', '/orders/not-a-uuid', '/orders/{id}'),
    get('hostile', `/orders/${'9'.repeat(200)}`, '/orders/{id}'),
    { kind: 'valid', method: 'POST', path: `/orders/${id}/cancel`, route: '/orders/{id}/cancel', headers: auth },
    {
      kind: 'invalid',
      method: 'POST',
      path: `/orders/${UNKNOWN_ID}/cancel`,
      route: '/orders/{id}/cancel',
      headers: auth,
    },
    { kind: 'invalid', method: 'POST', path: '/orders/not-a-uuid/cancel', route: '/orders/{id}/cancel', headers: auth },
    get('valid', '/positions', '/positions'),
    get('valid', '/quotes/AAPL', '/quotes/{symbol}'),
    get('invalid', '/quotes/NOPE', '/quotes/{symbol}'),
    get('valid', '/admin/circuit-breakers', '/admin/circuit-breakers', admin),
    get('invalid', '/admin/circuit-breakers', '/admin/circuit-breakers', {}),
    get('invalid', '/admin/circuit-breakers', '/admin/circuit-breakers', { authorization: 'Bearer nope-0123456789' }),
    get('valid', `/admin/circuit-breakers/${breaker}`, '/admin/circuit-breakers/{name}', admin),
    get('invalid', '/admin/circuit-breakers/nope', '/admin/circuit-breakers/{name}', admin),
    {
      kind: 'valid',
      method: 'POST',
      path: `/admin/circuit-breakers/${breaker}/reset`,
      route: '/admin/circuit-breakers/{name}/{action}',
      headers: admin,
    },
    {
      kind: 'invalid',
      method: 'POST',
      path: `/admin/circuit-breakers/${breaker}/explode`,
      route: '/admin/circuit-breakers/{name}/{action}',
      headers: admin,
    },
    ...extra,
  ];
}

const responseViolations = (e: PrismExchange) =>
  e.violations.filter((v) => v.location[0] === 'response' && v.severity === 'Error');

/**
 * Sends each case through both proxies and lists what Prism objected to. Through the strict proxy a
 * valid request must pass untouched; an invalid one may be refused by Prism itself (the document
 * says so too) or answered by the service. Through the open proxy every request reaches the
 * service, and its answer must match the document. Either way, no response violation.
 */
async function check(service: Service, cases: Case[], problems: string[]): Promise<number> {
  let checked = 0;
  for (const c of cases) {
    const what = `[${service.mode}] ${c.kind} ${c.method} ${c.path.slice(0, 80)} ${JSON.stringify(c.body ?? '').slice(0, 100)}`;
    for (const [proxy, prism] of [
      ['strict', service.strict],
      ['open', service.open],
    ] as const) {
      const e = await prism.send(c.method, c.path, { body: c.body, headers: c.headers });
      const answered = e.prismError === undefined;
      if (answered) checked += 1;
      const bad = responseViolations(e);
      if (e.prismError === 'VIOLATIONS' || bad.length > 0)
        problems.push(`${what} (${proxy}): response ${e.status} breaks the document: ${e.body.slice(0, 600)}`);
      else if (c.kind === 'valid' && (!answered || e.violations.length > 0))
        problems.push(
          `${what} (${proxy}): a valid request was flagged: ${e.status} ${e.headers.get('sl-violations') ?? e.body.slice(0, 300)}`,
        );
      else if (c.kind !== 'valid' && answered && e.status < 400)
        problems.push(`${what} (${proxy}): accepted with ${e.status}`);
      else if (proxy === 'open' && !answered && e.prismError !== 'UNAUTHORIZED')
        problems.push(`${what} (open): not forwarded: ${e.prismError}`);
      if (answered && e.status >= 400 && !e.headers.get('x-request-id'))
        problems.push(`${what} (${proxy}): ${e.status} without x-request-id`);
    }
  }
  return checked;
}

/** The one error body, checked by hand where a body cannot go through Prism (it hangs on non-JSON). */
function errorBodyProblems(text: string, schema: Schema): string[] {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [`not JSON: ${text.slice(0, 200)}`];
  }
  const problems = (schema.required ?? []).filter((k) => !(k in body)).map((k) => `missing ${k}`);
  for (const [key, value] of Object.entries(body)) {
    const type = schema.properties?.[key]?.type;
    if (!type) problems.push(`undeclared ${key}`);
    else if ((type === 'integer' ? 'number' : type) !== typeof value) problems.push(`${key} is not ${type}`);
  }
  return problems;
}

describe('the API contract, checked by Prism against the live service', () => {
  let dir: string;
  let pg: PostgresCluster;
  let issuer: JwksIssuer;
  const services = {} as Record<Mode, Service>;
  const hit = new Set<string>();
  const problems: string[] = [];
  let checked = 0;

  async function startService(mode: Mode): Promise<Service> {
    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DB_PRIMARY_URL: pg.primary.url,
      DB_SQLITE_PATH: join(dir, `${mode}.sqlite`),
      DB_PROBE_INTERVAL_MS: '200',
      DB_CONNECT_TIMEOUT_MS: '500',
      DB_QUERY_TIMEOUT_MS: '1000',
      HEALTH_DETAILS_TOKEN: DETAILS_TOKEN,
      HTTP_BODY_LIMIT_BYTES: '16384',
      RATE_LIMIT_ORDERS_PER_MINUTE: mode === 'jwt' ? String(WRITES_PER_MINUTE) : '100000',
      ...(mode === 'jwt' ? issuer.env({ AUTH_JWKS_COOLDOWN_MS: '0' }) : {}),
    };
    const app = AppProcess.spawn(MAIN_ENTRY, env, dir);
    await app.ready(30_000);
    const docFile = join(dir, `${mode}.openapi.json`);
    const documentText = await (await fetch(`${app.url}/docs-json`)).text();
    writeFileSync(docFile, documentText);
    const [strict, open] = await Promise.all([
      PrismProxy.start(docFile, app.url, join(dir, `prism-${mode}-strict.log`)),
      PrismProxy.start(docFile, app.url, join(dir, `prism-${mode}-open.log`), false),
    ]);
    return { mode, app, strict, open, document: JSON.parse(documentText) as Service['document'] };
  }

  const authFor = async (mode: Mode, sub: string): Promise<Record<string, string>> =>
    mode === 'off'
      ? {}
      : { authorization: `Bearer ${await issuer.token(sub, 'orders:read orders:write quotes:read')}` };

  async function run(mode: Mode, phase: 'up' | 'down'): Promise<void> {
    const service = services[mode];
    const auth = await authFor(mode, `${phase}-caller`);
    const extra: Case[] =
      mode === 'jwt'
        ? [
            { kind: 'invalid', method: 'GET', path: '/orders', route: '/orders', headers: {} },
            {
              kind: 'invalid',
              method: 'GET',
              path: '/orders',
              route: '/orders',
              headers: { authorization: 'Bearer not.a.jwt' },
            },
            {
              kind: 'invalid',
              method: 'GET',
              path: '/orders',
              route: '/orders',
              headers: { authorization: `Bearer ${await issuer.token('reader', 'quotes:read')}` },
            },
          ]
        : [];
    const cases = await casesFor(service, `${mode}-${phase}`, auth, extra);
    for (const c of cases) hit.add(`${c.method.toLowerCase()} ${c.route}`);
    checked += await check(service, cases, problems);
  }

  before(async () => {
    dir = makeTempDir('contract');
    [pg, issuer] = await Promise.all([PostgresCluster.start(), JwksIssuer.start()]);
    const [off, jwt] = await Promise.all([startService('off'), startService('jwt')]);
    Object.assign(services, { off, jwt });
  });

  after(async () => {
    for (const service of Object.values(services)) {
      await Promise.all([service.strict.stop(), service.open.stop(), service.app.stop()]);
    }
    await issuer?.close();
    pg?.destroy();
    if (problems.length === 0) removeDir(dir);
  });

  it('finds no violation with Postgres up, auth off and JWT on', async () => {
    await run('off', 'up');
    await run('jwt', 'up');
    assert.deepEqual(problems, []);
  });

  it('finds no violation with Postgres down (journaled writes, 503s with Retry-After)', async () => {
    await pg.stop('primary', 'immediate');
    await waitFor('the services to see Postgres down', async () => {
      const answers = await Promise.all(
        Object.values(services).map(
          (s) =>
            fetch(`${s.app.url}/health/ready`).then((r) => r.json()) as Promise<{
              details?: Record<string, { status: string }>;
            }>,
        ),
      );
      return answers.every((a) => Object.values(a.details ?? {}).some((c) => c.status !== 'up'));
    });
    await run('jwt', 'down');
    await run('off', 'down');
    assert.deepEqual(problems, []);
  });

  it('finds no violation in a 429 from the rate limit', async () => {
    const service = services.jwt;
    const auth = await authFor('jwt', 'flooder');
    let last: PrismExchange | undefined;
    for (let i = 0; i <= WRITES_PER_MINUTE && last?.status !== 429; i++)
      last = await service.open.send('POST', '/orders', { body: limitOrder(`flood-${i}`), headers: auth });
    assert.equal(last?.status, 429, last?.body);
    assert.ok(last?.headers.get('retry-after'), '429 with Retry-After');
    assert.deepEqual(responseViolations(last), []);
    assert.equal(last?.prismError, undefined, last?.body);
  });

  it('covers every documented operation, and checked a few hundred answers', () => {
    const documented = Object.entries(services.off.document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    assert.deepEqual(
      documented.filter((op) => !hit.has(op)),
      [],
    );
    assert.ok(checked >= 200, `only ${checked} answers of the service went through Prism`);
  });

  it('answers what cannot go through Prism (non-JSON, raw HTTP) in the documented error body', async () => {
    const service = services.off;
    const schema = service.document.components.schemas.ErrorResponseBody;
    const direct: Array<[string, number, () => Promise<{ status: number; body: string }>]> = [
      ['text/plain body', 415, () => send(service, 'text/plain', 'hello')],
      ['form body', 415, () => send(service, 'application/x-www-form-urlencoded', 'a=1&b=2')],
      ['malformed JSON', 400, () => send(service, 'application/json', '{"clientOrderId":')],
      ['empty JSON body', 400, () => send(service, 'application/json', '')],
      ['two Host headers', 400, () => raw(service, 'GET /orders HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')],
      [
        'headers too large',
        431,
        () => raw(service, `GET /orders HTTP/1.1\r\nHost: a\r\nx-big: ${'x'.repeat(20_000)}\r\n\r\n`),
      ],
      ['an unknown route', 404, () => fetch(`${service.app.url}/nowhere`).then(read)],
    ];
    const found: string[] = [];
    for (const [what, status, call] of direct) {
      const res = await call();
      if (res.status !== status) found.push(`${what}: ${res.status}, expected ${status}: ${res.body.slice(0, 200)}`);
      for (const problem of errorBodyProblems(res.body, schema)) found.push(`${what}: ${problem}`);
    }
    assert.deepEqual(found, []);
  });
});

const read = async (res: Response) => ({ status: res.status, body: await res.text() });
const send = (service: Service, type: string, body: string) =>
  fetch(`${service.app.url}/orders`, { method: 'POST', headers: { 'content-type': type }, body }).then(read);

async function raw(service: Service, text: string): Promise<{ status: number; body: string }> {
  const answer = await rawHttp(service.app.port ?? 0, text);
  const [head, ...rest] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: rest.join('\r\n\r\n') };
}
