import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  AppProcess,
  databaseMode,
  freePort,
  HttpUpstream,
  limitOrder,
  MAIN_ENTRY,
  makeTempDir,
  NatsServer,
  OtlpReceiver,
  PostgresCluster,
  type ReceivedSpan,
  RedisSetup,
  removeDir,
  waitFor,
} from '../harness/index.js';

const TOKEN = 'tracing-e2e-details-token-0123456789';
const SERVER = 2;
const CLIENT = 3;

/** A caller's W3C context: a fresh trace id, a parent span id, sampled. */
function callerContext(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const postOrder = (url: string, clientOrderId: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(limitOrder(clientOrderId)),
  });

/** Waits until `find` picks a span out of what the receiver holds, and returns it. */
async function spanOf(receiver: OtlpReceiver, what: string, find: (s: ReceivedSpan) => boolean, timeoutMs = 15_000) {
  let found: ReceivedSpan | undefined;
  await waitFor(what, async () => (found = receiver.spans.find(find)) !== undefined, timeoutMs, 50);
  return found as ReceivedSpan;
}

describe('OpenTelemetry traces to an OTLP/HTTP receiver the test runs (the bundle on Postgres, Redis and a market-data upstream)', () => {
  let cluster: PostgresCluster;
  let redis: RedisSetup;
  let upstream: HttpUpstream;
  let receiver: OtlpReceiver;
  let nats: NatsServer;
  let app: AppProcess;
  let cwd: string;

  /** The `traceparent` header the broker holds for the last event of `order:<id>`. */
  async function eventTraceparent(orderId: string): Promise<string | undefined> {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const m = await jsm.streams.getMessage('EVENTS', { last_by_subj: `events.order.${orderId}` });
      return m?.header?.get('traceparent') || undefined;
    } finally {
      await nc.close();
    }
  }

  before(async () => {
    [cluster, redis, upstream, receiver, nats] = await Promise.all([
      PostgresCluster.start({ replica: false }),
      RedisSetup.start(),
      HttpUpstream.start(),
      OtlpReceiver.start(),
      NatsServer.start(),
    ]);
    cwd = makeTempDir('tracing-e2e');
    app = AppProcess.spawn(
      MAIN_ENTRY,
      {
        PORT: String(await freePort()),
        DB_PRIMARY_URL: cluster.primary.url,
        DB_PROBE_INTERVAL_MS: '200',
        REDIS_URL: redis.master.url,
        MARKET_DATA_URL: upstream.url,
        MARKET_DATA_CACHE_TTL_MS: '60000',
        EVENTS_NATS_URL: nats.url,
        LOG_FORMAT: 'json',
        HEALTH_DETAILS_TOKEN: TOKEN,
        HEALTH_CACHE_TTL_MS: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'tracing-e2e',
        // No root is sampled: a trace is kept only when the caller's traceparent says sampled (or,
        // for a replay, when it links to a sampled span).
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      cwd,
    );
    await app.ready();
    await waitFor('normal mode', async () => (await databaseMode(app.url, TOKEN)) === 'normal', 20_000);
  });
  after(async () => {
    await app?.stop();
    await Promise.all([cluster?.destroy(), redis?.destroy(), upstream?.close(), receiver?.close(), nats?.destroy()]);
    if (cwd) removeDir(cwd);
  });

  it("continues the caller's trace: the server span, the command (writer) and its pg write as children, the audit log line with the trace id", async () => {
    const caller = callerContext();
    const res = await postOrder(app.url, 'trace-writer-1', {
      traceparent: caller.traceparent,
      cookie: 'session=cookie-value-never-in-a-span',
    });
    assert.equal(res.status, 201);
    const requestId = res.headers.get('x-request-id');

    const server = await spanOf(receiver, 'the server span', (s) => s.traceId === caller.traceId && s.kind === SERVER);
    assert.equal(server.name, 'POST /orders');
    assert.equal(server.parentSpanId, caller.parentId, "a child of the caller's span");
    assert.equal(server.service, 'tracing-e2e');
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['http.route'], '/orders');
    assert.equal(server.attributes['url.path'], '/orders');
    assert.equal(server.attributes['http.response.status_code'], 201);

    const command = await spanOf(receiver, 'the command span', (s) => s.parentSpanId === server.spanId);
    assert.equal(command.name, 'command order.create');
    assert.equal(command.attributes['command.mode'], 'writer');
    const pg = await spanOf(receiver, 'the pg span', (s) => s.parentSpanId === command.spanId);
    assert.equal(pg.kind, CLIENT);
    assert.equal(pg.attributes['db.system'], 'postgresql');
    assert.equal(pg.attributes['db.operation.name'], 'write');
    assert.equal(typeof pg.attributes['db.target'], 'string');
    for (const span of receiver.trace(caller.traceId)) {
      const recorded = JSON.stringify(span);
      assert.doesNotMatch(recorded, /postgres:\/\//, `no database URL in ${span.name}`);
      assert.doesNotMatch(recorded, /cookie-value-never-in-a-span/, `no header in ${span.name}`);
    }

    const audit = jsonLines(app.output).filter((l) => l.context === 'Audit' && l.requestId === requestId);
    assert.equal(audit.length, 1, 'the audit line of the request');
    assert.equal(audit[0].traceId, caller.traceId, 'carries the trace id');
  });

  it("sends the command's traceparent with its event, and links the relay round and the consumer's batch to it", async () => {
    const caller = callerContext();
    const res = await postOrder(app.url, 'trace-event-1', { traceparent: caller.traceparent });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    const server = await spanOf(receiver, 'the server span', (s) => s.traceId === caller.traceId && s.kind === SERVER);
    const command = await spanOf(receiver, 'the command span', (s) => s.parentSpanId === server.spanId);
    const link = { traceId: caller.traceId, spanId: command.spanId };
    await waitFor('the event in the broker', async () => (await eventTraceparent(id)) !== undefined, 15_000, 100);
    assert.equal(await eventTraceparent(id), `00-${caller.traceId}-${command.spanId}-01`, 'the command span, sampled');
    // At ratio 0 neither background trace would be sampled: the link to the sampled command keeps them.
    for (const name of ['events.relay', 'events.consume positions']) {
      const span = await spanOf(
        receiver,
        name,
        (s) => s.name === name && s.links.some((l) => l.spanId === link.spanId),
      );
      assert.deepEqual(
        span.links.filter((l) => l.traceId === caller.traceId),
        [link],
        `${name} links to the command that wrote the event`,
      );
      assert.notEqual(span.traceId, caller.traceId, `${name}: a trace of its own`);
      assert.equal(span.parentSpanId, undefined);
    }
  });

  it('traces a quote through Redis, the breaker and the market-data call, and sends traceparent to the provider', async () => {
    const caller = callerContext();
    const seen = upstream.requestHeaders.length;
    const res = await fetch(`${app.url}/quotes/MSFT`, { headers: { traceparent: caller.traceparent } });
    assert.equal(res.status, 200);
    const server = await spanOf(receiver, 'the server span', (s) => s.traceId === caller.traceId && s.kind === SERVER);
    assert.equal(server.name, 'GET /quotes/:symbol');
    const client = await spanOf(
      receiver,
      'the market-data client span',
      (s) => s.traceId === caller.traceId && s.name === 'GET /quotes/{symbol}',
    );
    assert.equal(client.kind, CLIENT);
    assert.equal(client.attributes['http.response.status_code'], 200);
    const breaker = receiver.trace(caller.traceId).find((s) => s.spanId === client.parentSpanId);
    assert.equal(breaker?.name, 'breaker marketData', 'the call is made inside the breaker');
    assert.equal(breaker?.attributes['breaker.outcome'], 'success');
    assert.equal(breaker?.attributes['breaker.state'], 'CLOSED');
    await spanOf(receiver, 'a redis span', (s) => s.traceId === caller.traceId && s.name === 'redis GET');

    const sent = upstream.requestHeaders.slice(seen).map((h) => h.traceparent);
    assert.equal(sent.length, 1, 'one provider call');
    assert.equal(
      sent[0],
      `00-${caller.traceId}-${client.spanId}-01`,
      "the provider's parent is our client span, in the caller's trace",
    );
  });

  it('puts the trace id in the error body: the caller’s, or the new, unsampled trace of the request', async () => {
    const own = await fetch(`${app.url}/orders/not-a-uuid-either`);
    const ownBody = (await own.json()) as { traceId?: string };
    assert.match(ownBody.traceId ?? '', /^[0-9a-f]{32}$/, 'an unsampled request has a trace id too');

    const caller = callerContext();
    const refused = await fetch(`${app.url}/orders/not-a-uuid`, { headers: { traceparent: caller.traceparent } });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { traceId?: string; requestId: string };
    assert.equal(body.traceId, caller.traceId);
    const server = await spanOf(receiver, 'its server span', (s) => s.traceId === caller.traceId && s.kind === SERVER);
    assert.equal(server.attributes['http.response.status_code'], 400);
    // Exported in order: once the later request's span is in, the earlier one would be too.
    assert.equal(receiver.trace(ownBody.traceId ?? '').length, 0, 'the root at ratio 0 was not sampled');
    assert.notEqual(ownBody.traceId, caller.traceId);
  });

  it('shows an order journaled while Postgres is killed in one trace with its request, and its replay as a span linked to it', async () => {
    await cluster.stop('primary', 'immediate');
    const caller = callerContext();
    const res = await postOrder(app.url, 'trace-journaled-1', { traceparent: caller.traceparent });
    assert.equal(res.status, 201);
    const server = await spanOf(receiver, 'the server span', (s) => s.traceId === caller.traceId && s.kind === SERVER);
    const journaled = await spanOf(
      receiver,
      'the journaled command span',
      (s) => s.parentSpanId === server.spanId && s.name === 'command order.create',
    );
    assert.equal(journaled.attributes['command.mode'], 'journaled');

    await cluster.start('primary');
    const replayed = await spanOf(
      receiver,
      'the replayed command span',
      (s) => s.attributes['command.mode'] === 'replayed' && s.links.some((l) => l.traceId === caller.traceId),
      30_000,
    );
    assert.deepEqual(
      replayed.links,
      [{ traceId: caller.traceId, spanId: journaled.spanId }],
      'linked to the journal span',
    );
    // At ratio 0 the replay's own trace would never be sampled: the link to a sampled span keeps it.
    assert.notEqual(replayed.traceId, caller.traceId, 'the replay is a trace of its own');
    assert.equal(replayed.attributes['command.entity_id'], journaled.attributes['command.entity_id']);
    const batch = receiver.trace(replayed.traceId).find((s) => s.spanId === replayed.parentSpanId);
    assert.equal(batch?.name, 'journal.replay');
    assert.ok(
      batch?.links.some((l) => l.spanId === journaled.spanId) === true,
      'the batch links to the entries it replays',
    );
    assert.equal(batch?.parentSpanId, undefined, 'the batch is the root of the replay trace');
    // Its event, written by the replay, carries the span that journaled it: the request's trace.
    const id = String(replayed.attributes['command.entity_id']);
    await waitFor(
      'the replayed event in the broker',
      async () => (await eventTraceparent(id)) !== undefined,
      15_000,
      100,
    );
    assert.equal(await eventTraceparent(id), `00-${caller.traceId}-${journaled.spanId}-01`);
  });

  it('flushes queued spans at shutdown', async () => {
    const caller = callerContext();
    // A long schedule: the span can only leave with the shutdown's flush.
    const port = await freePort();
    const late = AppProcess.spawn(
      MAIN_ENTRY,
      {
        PORT: String(port),
        DB_SQLITE_PATH: ':memory:',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      cwd,
    );
    try {
      await late.ready();
      assert.equal((await fetch(`${late.url}/orders/x`, { headers: { traceparent: caller.traceparent } })).status, 400);
      assert.equal(receiver.trace(caller.traceId).length, 0, 'nothing exported before shutdown');
      late.child.kill('SIGTERM');
      assert.equal(await late.exit(), 0);
      assert.equal(receiver.trace(caller.traceId).filter((s) => s.kind === SERVER).length, 1);
    } finally {
      await late.stop();
    }
  });
});

describe('tracing off and a collector that is down', () => {
  let upstream: HttpUpstream;
  let receiver: OtlpReceiver;
  let cwd: string;
  const apps: AppProcess[] = [];

  before(async () => {
    [upstream, receiver] = await Promise.all([HttpUpstream.start(), OtlpReceiver.start()]);
    cwd = makeTempDir('tracing-off-e2e');
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all([upstream?.close(), receiver?.close()]);
    if (cwd) removeDir(cwd);
  });

  const start = async (env: Record<string, string>) => {
    const app = AppProcess.spawn(
      MAIN_ENTRY,
      {
        PORT: String(await freePort()),
        DB_SQLITE_PATH: ':memory:',
        MARKET_DATA_URL: upstream.url,
        MARKET_DATA_CACHE_TTL_MS: '0',
        LOG_FORMAT: 'json',
        ...env,
      },
      cwd,
    );
    apps.push(app);
    await app.ready();
    return app;
  };

  it('off (no endpoint): no traceId in bodies or logs, no traceparent to the provider, nothing exported', async () => {
    // Every other tracing variable set: only the endpoint turns tracing on.
    const app = await start({
      OTEL_SERVICE_NAME: 'off',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const caller = callerContext();
    const refused = await fetch(`${app.url}/orders/not-a-uuid`, { headers: { traceparent: caller.traceparent } });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as Record<string, unknown>;
    assert.equal(typeof body.requestId, 'string');
    assert.equal('traceId' in body, false);
    const created = await postOrder(app.url, 'off-1', { traceparent: caller.traceparent });
    assert.equal(created.status, 201);
    const seen = upstream.requestHeaders.length;
    assert.equal((await fetch(`${app.url}/quotes/AAPL`, { headers: { traceparent: caller.traceparent } })).status, 200);
    assert.equal(upstream.requestHeaders.length, seen + 1);
    assert.equal(upstream.requestHeaders.at(-1)?.traceparent, undefined, 'no traceparent goes out');
    const lines = jsonLines(app.output);
    assert.ok(
      lines.some((l) => l.context === 'Audit' && typeof l.requestId === 'string'),
      'the audit line is there',
    );
    assert.equal(lines.filter((l) => 'traceId' in l).length, 0, 'no line carries a trace id');
    assert.equal(app.output.includes('traces to'), false, 'the SDK was not started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.requests.length, 0, 'nothing reached a collector');
  });

  it('collector down (a closed port): every request still answers, with its trace id', async () => {
    const closedPort = await freePort();
    const app = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_BSP_MAX_QUEUE_SIZE: '64',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '16',
      OTEL_EXPORTER_OTLP_TIMEOUT: '200',
    });
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, i) => postOrder(app.url, `down-${round}-${i}`).then((r) => r.status)),
      );
      statuses.push(...batch);
    }
    assert.equal(statuses.length, 200);
    assert.deepEqual([...new Set(statuses)], [201], 'every order was created');
    const refused = await fetch(`${app.url}/orders/not-a-uuid`);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { traceId?: string }).traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal((await fetch(`${app.url}/health/ready`)).status, 200);
  });

  it('collector hanging (accepts, never answers): requests still answer, and shutdown exits on its own', async () => {
    const hanging = new Set<ServerResponse>();
    let exports = 0;
    const collector = createServer((_req, res) => {
      exports += 1;
      hanging.add(res);
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const app = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: '20',
        // Each export would wait a minute; the shutdown's flush is bounded well below that.
        OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
        TRACING_SHUTDOWN_FLUSH_MS: '500',
      });
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => postOrder(app.url, `hang-${i}`).then((r) => r.status)),
      );
      assert.deepEqual([...new Set(statuses)], [201]);
      await waitFor('an export to reach the hanging collector', async () => exports > 0, 10_000, 20);
      app.child.kill('SIGTERM');
      // The harness kills it after 15 s: an exit code of 0 means it left by itself, flush abandoned.
      assert.equal(await app.exit(15_000), 0);
    } finally {
      for (const res of hanging) res.destroy();
      collector.closeAllConnections();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
