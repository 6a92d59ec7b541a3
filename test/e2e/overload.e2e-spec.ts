import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppProcess, FIXTURE_ENTRY, freePort, makeTempDir, removeDir, waitFor } from '../harness/index.js';

/** Sends a whole `POST` (headers and body) on its own socket and keeps the socket open. */
function postAndHold(port: number, path: string): Promise<Socket> {
  const body = '{"side":"buy"}';
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
      );
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('overload: shedding at intake and in-flight accounting', () => {
  let cwd: string;
  before(() => {
    cwd = makeTempDir('overload');
  });
  after(() => removeDir(cwd));

  it('requests aborted mid-flight leave the in-flight count: SIGTERM later drains at once', async () => {
    const app = AppProcess.spawn(FIXTURE_ENTRY, { PORT: String(await freePort()), SHUTDOWN_DRAIN_MS: '30000' }, cwd);
    try {
      await app.ready();
      const sockets = await Promise.all(Array.from({ length: 10 }, () => postAndHold(app.port!, '/fixture/slow')));
      await waitFor('the writes in flight', async () => count(app.output, 'slow write started') === 10);
      for (const socket of sockets) socket.destroy();
      // Their handlers finish (1.5 s) with nobody to answer; then nothing is in flight.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const signalled = Date.now();
      app.child.kill('SIGTERM');
      assert.equal(await app.exit(25_000), 0);
      assert.match(app.output, /draining 0 request\(s\)/);
      assert.doesNotMatch(app.output, /drain timed out/);
      assert.ok(Date.now() - signalled < 10_000, 'exited well before SHUTDOWN_DRAIN_MS (30 s)');
    } finally {
      await app.stop();
    }
  });

  it('past a small limit answers 503 + Retry-After at once; probes, cancels and /admin are never shed', async () => {
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      {
        PORT: String(await freePort()),
        LOAD_SHEDDING_MIN_LIMIT: '2',
        LOAD_SHEDDING_MAX_LIMIT: '4',
        LOAD_SHEDDING_INITIAL_LIMIT: '4',
        LOAD_SHEDDING_RETRY_AFTER_S: '2',
      },
      cwd,
    );
    try {
      await app.ready();
      const started = Date.now();
      const burst = Array.from({ length: 30 }, () =>
        fetch(`${app.url}/fixture/slow`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }).then(async (res) => ({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          connection: res.headers.get('connection'),
          body: await res.text(),
          at: Date.now(),
        })),
      );
      await waitFor('the limit reached', async () => count(app.output, 'slow write started') >= 2);
      // While the limit is reached: probes, /metrics, a cancel and an operator route still get through.
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        assert.equal((await fetch(`${app.url}${path}`)).status, 200, path);
      }
      const cancel = await fetch(`${app.url}/orders/00000000-0000-4000-8000-000000000000/cancel`, { method: 'POST' });
      assert.notEqual(cancel.status, 503, 'a cancel is never shed');
      assert.notEqual((await fetch(`${app.url}/admin/circuit-breakers`)).status, 503, '/admin is never shed');
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      const answers = await Promise.all(burst);
      const shed = answers.filter((a) => a.status === 503);
      const served = answers.filter((a) => a.status === 201);
      assert.ok(shed.length >= 20, `${shed.length} of 30 shed`);
      assert.ok(served.length >= 2 && served.length <= 4, `${served.length} served, the limit being 2-4`);
      assert.equal(shed.length + served.length, 30);
      for (const answer of shed) {
        assert.equal(answer.retryAfter, '2');
        assert.equal(answer.connection, 'close', 'a client that resends at once must reconnect first');
        assert.equal(JSON.parse(answer.body).code, 'OVERLOADED');
        assert.ok(answer.at - started < 1000, 'refused at once, not after the slow ones (1.5 s)');
      }
      assert.match(metrics, /^http_requests_shed_total\{route="\/fixture\/slow"\} [1-9]\d*$/m);
      assert.match(metrics, /^http_concurrency_limit [2-4]$/m);
      assert.match(metrics, /^http_concurrency_in_flight [1-4]$/m);
      const after = await (await fetch(`${app.url}/metrics`)).text();
      assert.match(after, /^http_concurrency_in_flight 0$/m, 'every slot was given back');
    } finally {
      await app.stop();
    }
  });

  it('answers probes on MANAGEMENT_PORT within a second while the main thread is busy', async () => {
    const managementPort = await freePort();
    const management = `http://127.0.0.1:${managementPort}`;
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      { PORT: String(await freePort()), MANAGEMENT_PORT: String(managementPort), LOG_LEVEL: 'warn' },
      cwd,
    );
    try {
      await waitFor('the management port', async () => (await fetch(`${management}/health/ready`)).ok, 20_000);
      // The management port can come up before the main one (which has no probes then): any
      // answer there, a 404 too, says it listens.
      await waitFor(
        'the main port',
        () =>
          fetch(`${app.url}/`).then(
            () => true,
            () => false,
          ),
        20_000,
      );
      const busy = fetch(`${app.url}/fixture/busy`).then(() => Date.now());
      await new Promise((resolve) => setTimeout(resolve, 500));
      const answered: number[] = [];
      for (const path of ['/health/live', '/health/ready', '/health/live']) {
        const sent = Date.now();
        const res = await fetch(`${management}${path}`, { signal: AbortSignal.timeout(5000) });
        assert.equal(res.status, 200, path);
        answered.push(Date.now());
        assert.ok(Date.now() - sent < 1000, `${path} answered within a second while the main thread was held`);
      }
      assert.ok(answered.at(-1)! < (await busy), 'the probes were answered while the main thread was still held');
    } finally {
      await app.stop();
    }
  });
});
