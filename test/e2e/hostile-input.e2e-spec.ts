import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InProcessApp, PostgresCluster, freePort, within, limitOrder, rawHttp } from '../harness/index.js';
import { DatabaseService } from '../../src/core/database/index.js';

const order = (clientOrderId: string, extra: object = {}) =>
  limitOrder(clientOrderId, extra as Record<string, unknown>);
const manyKeys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const forge = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('hostile input against the embedded app (listening on a real socket)', () => {
  let app: InProcessApp;
  let port: number;
  const post = (payload: string) =>
    app.request({ method: 'POST', url: '/orders', payload, headers: { 'content-type': 'application/json' } });

  before(async () => {
    app = await InProcessApp.start({});
    port = await freePort();
    await app.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => app?.close());

  it('answers 400 to oversized shapes before parsing, while a liveness prober keeps its latency', async () => {
    const hostile = [
      manyKeys(70_000),
      deepArray(400_000),
      deepObject(10_000),
      `{"s":"${'x'.repeat(500_000)}"}`,
      `{"a":[${'1,'.repeat(200_000)}1]}`,
    ];
    for (const body of hostile)
      assert.ok(body.length < 1024 * 1024, `each stays under HTTP_BODY_LIMIT_BYTES (${body.length})`);
    let worstLiveMs = 0;
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const started = performance.now();
        const live = await fetch(`http://127.0.0.1:${port}/health/live`);
        assert.equal(live.status, 200);
        worstLiveMs = Math.max(worstLiveMs, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const answers = await within(
      5_000,
      'hostile bodies',
      Promise.all(Array.from({ length: 3 }, () => hostile.map((body) => post(body))).flat()),
    );
    probing = false;
    await prober;
    for (const res of answers) assert.equal(res.statusCode, 400, res.body);
    assert.match(answers[0].json().message, /more than 64 keys/);
    assert.match(answers[1].json().message, /nested deeper than 8/);
    assert.match(answers[3].json().message, /longer than 4096 bytes/);
    assert.match(answers[4].json().message, /more than 1000 elements/);
    // A bound, not a benchmark: a quadratic or recursive path would take seconds here.
    assert.ok(worstLiveMs < 1000, `liveness stayed responsive (worst ${Math.round(worstLiveMs)} ms)`);
  });

  it('answers 415 to every body type but JSON without parsing it, while liveness keeps its latency', async () => {
    const form = Array.from({ length: 120_000 }, (_, i) => `${i}=`).join('&');
    assert.ok(form.length < 1024 * 1024, 'under HTTP_BODY_LIMIT_BYTES, so only the type can refuse it');
    const send = (type: string, body: string) =>
      fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', headers: { 'content-type': type }, body });
    const answers = await within(
      5_000,
      'bodies of other types',
      Promise.all([
        ...Array.from({ length: 6 }, () => send('application/x-www-form-urlencoded', form)),
        send('text/plain', form),
        send('multipart/form-data; boundary=x', `--x\r\n${form}`),
        send('application/xml', '<order/>'),
      ]),
    );
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    assert.equal(live.status, 200, 'the event loop did not stall');
    for (const res of answers) {
      assert.equal(res.status, 415);
      const body = (await res.json()) as { statusCode: number; requestId: string };
      assert.deepEqual([body.statusCode, body.requestId], [415, res.headers.get('x-request-id')]);
    }
    const json = await send('application/json; charset=utf-8', JSON.stringify(order('json-still-parsed')));
    assert.equal(json.status, 201, 'JSON with a charset parameter is still accepted');
  });

  it('applies one amount rule to every JSON number form: at most 8 decimals, never a 500', async () => {
    const cases: Array<[string, number]> = [
      ['1e-8', 201],
      ['1E-7', 201],
      ['0.00000001', 201],
      ['1e-9', 400],
      ['0.000000001', 400],
      ['1.5e-9', 400],
      ['1.5e-300', 400],
      ['123.456789012', 400],
      ['1e400', 400],
      ['-0', 400],
    ];
    for (const [i, [text, status]] of cases.entries()) {
      const res = await post(
        `{"clientOrderId":"amount-${i}","symbol":"AAPL","side":"buy","type":"limit","quantity":${text},"limitPrice":100}`,
      );
      assert.equal(res.statusCode, status, `quantity ${text}: ${res.body}`);
      const price = await post(
        `{"clientOrderId":"price-${i}","symbol":"AAPL","side":"buy","type":"limit","quantity":1,"limitPrice":${text}}`,
      );
      assert.equal(price.statusCode, status, `limitPrice ${text}: ${price.body}`);
    }
  });

  it('refuses a forged or altered cursor with 400, and matches ids whatever their case', async () => {
    const created = await post(JSON.stringify(order('cursor-1')));
    await post(JSON.stringify(order('cursor-2')));
    const page = (await app.request({ method: 'GET', url: '/orders?limit=1' })).json();
    assert.ok(page.nextCursor, 'a real cursor');
    const [body, tag] = (page.nextCursor as string).split('.');
    const altered = `${forge({ createdAt: '2999-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000' })}.${tag}`;
    for (const cursor of [
      forge({ createdAt: 'foo 2020', id: '0'.repeat(36) }),
      forge({ createdAt: '2020-02-30', id: 'x' }),
      altered,
      `${body}.${tag}x`,
      `${body}`,
      '...',
    ]) {
      const res = await app.request({ method: 'GET', url: `/orders?cursor=${encodeURIComponent(cursor)}` });
      assert.equal(res.statusCode, 400, `cursor ${cursor}`);
    }
    assert.equal(
      (await app.request({ method: 'GET', url: `/orders?limit=1&cursor=${page.nextCursor}` })).statusCode,
      200,
    );
    const upper = await app.request({ method: 'GET', url: `/orders/${(created.json().id as string).toUpperCase()}` });
    assert.deepEqual([upper.statusCode, upper.json().id], [200, created.json().id]);
  });

  it("answers errors raised before routing in the service's shape, with a request id", async () => {
    const longParam = await fetch(`http://127.0.0.1:${port}/orders/${'a'.repeat(150)}`);
    assert.equal(longParam.status, 414);
    const longBody = (await longParam.json()) as Record<string, unknown>;
    assert.equal(longBody.requestId, longParam.headers.get('x-request-id'));
    assert.doesNotMatch(JSON.stringify(longBody), /aaaaaaaaaa/, 'the path is not echoed');
    const hugeHeader = await rawHttp(
      port,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(hugeHeader, /^HTTP\/1\.1 431 /);
    assert.match(hugeHeader, /x-request-id: parse-[0-9a-f]{12}-[0-9a-z]+\r\n/);
    assert.match(hugeHeader, /"statusCode":431/);
    const twoHosts = await rawHttp(port, 'GET /orders HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n');
    assert.match(twoHosts, /^HTTP\/1\.1 400 /);
    assert.match(twoHosts, /more than one Host header/);
    assert.match(twoHosts, /x-request-id: /);
  });
});

describe('the same answers from the Postgres-backed app', () => {
  let app: InProcessApp;
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    app = await InProcessApp.start({ DB_PRIMARY_URL: cluster.primary.url });
    await app.until('normal mode', () => app.get(DatabaseService).currentMode === 'normal');
  });
  after(async () => {
    await app?.close();
    cluster?.destroy();
  });

  it('refuses forged cursors and over-precise amounts with 400, and finds an id in upper case', async () => {
    const created = await app.request({ method: 'POST', url: '/orders', payload: order('pg-1') });
    assert.equal(created.statusCode, 201);
    for (const cursor of [
      forge({ createdAt: 'foo 2020', id: '0'.repeat(36) }),
      forge({ createdAt: '2020-02-30', id: 'x' }),
    ]) {
      assert.equal((await app.request({ method: 'GET', url: `/orders?cursor=${cursor}` })).statusCode, 400);
    }
    const precise = await app.request({
      method: 'POST',
      url: '/orders',
      payload:
        '{"clientOrderId":"pg-2","symbol":"AAPL","side":"buy","type":"limit","quantity":1.5e-300,"limitPrice":100}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(precise.statusCode, 400);
    const upper = await app.request({ method: 'GET', url: `/orders/${(created.json().id as string).toUpperCase()}` });
    assert.equal(upper.statusCode, 200);
  });
});
