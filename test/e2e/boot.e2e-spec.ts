import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encryptSecret, generateMasterKey, parseMasterKey } from '../../src/core/config/secret-cipher.js';
import { AppProcess, FIXTURE_ENTRY, MAIN_ENTRY, freePort, makeTempDir, removeDir, waitFor } from '../harness/index.js';

/** POSTs JSON with the headers in one packet and the body in another, 100 ms later; resolves with the raw answer. */
function postInTwoPackets(port: number, path: string, requestId: string, body: object): Promise<string> {
  const json = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(json)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n`,
      );
      setTimeout(() => socket.write(json), 100);
    });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('booting the service as a process', () => {
  let cwd: string;
  before(() => {
    cwd = makeTempDir('boot');
  });
  after(() => removeDir(cwd));

  it('serves /health/live on the embedded defaults with no .env and no servers', async () => {
    const app = AppProcess.spawn(MAIN_ENTRY, { PORT: String(await freePort()) }, cwd);
    try {
      await app.ready();
      const res = await fetch(`${app.url}/health/live`);
      assert.equal(res.status, 200);
      assert.match(app.output, /listening on .* \(development\)/);
    } finally {
      await app.stop();
    }
  });

  it('exits 1 with one message naming every invalid variable', async () => {
    const app = AppProcess.spawn(MAIN_ENTRY, { PORT: 'abc', DB_POOL_MAX: '-1' }, cwd);
    assert.equal(await app.exit(), 1);
    assert.match(app.output, /^Invalid configuration: 2 variables rejected\n/);
    assert.match(app.output, /PORT="abc": must be an integer/);
    assert.match(app.output, /DB_POOL_MAX="-1": must not be less than 1/);
    assert.doesNotMatch(app.output, /\n\s+at /, 'no stack trace');
  });

  it('names the bad variables of core and domain modules in the same message', async () => {
    const app = AppProcess.spawn(
      MAIN_ENTRY,
      { CACHE_OP_TIMEOUT_MS: '0', MARKET_DATA_SOURCE: 'http', ORDERS_CURSOR_KEY: 'too-short' },
      cwd,
    );
    assert.equal(await app.exit(), 1);
    assert.match(app.output, /^Invalid configuration: 3 variables rejected\n/);
    assert.match(app.output, /CACHE_OP_TIMEOUT_MS="0": must not be less than 1/);
    assert.match(app.output, /MARKET_DATA_URL=\(unset\): must be set when MARKET_DATA_SOURCE=http/);
    assert.match(app.output, /ORDERS_CURSOR_KEY=\*\*\*: must be longer than or equal to 32 characters/);
  });

  it('refuses a production profile fit only for a laptop', async () => {
    const app = AppProcess.spawn(MAIN_ENTRY, { NODE_ENV: 'production', PORT: String(await freePort()) }, cwd);
    assert.equal(await app.exit(), 1);
    assert.match(app.output, /DB_PRIMARY_URL=\(unset\): production needs/);
    assert.match(app.output, /HEALTH_DETAILS_TOKEN=\(unset\): production needs/);
  });

  it('stops on an ENC value it cannot decrypt, naming the variable and not the value', async () => {
    const value = encryptSecret('postgres://u:Never-Shown-9@h/db', parseMasterKey(generateMasterKey()));
    const app = AppProcess.spawn(MAIN_ENTRY, { CONFIG_MASTER_KEY: generateMasterKey(), DB_PRIMARY_URL: value }, cwd);
    assert.equal(await app.exit(), 1);
    assert.match(app.output, /DB_PRIMARY_URL=ENC\(…\): cannot decrypt/);
    assert.doesNotMatch(app.output, /Never-Shown-9/);
    assert.ok(!app.output.includes(value.slice(8, 30)), 'not even the ciphertext');
  });

  it('never writes a secret to its output, from boot to shutdown', async () => {
    const keyText = generateMasterKey();
    const key = parseMasterKey(keyText);
    const secrets = {
      db: 'PgPass-Leak-Check-1',
      replica: 'Replica-Pw-Leak-2',
      token: 'Health-Token-Leak-Check-3',
      apiKey: 'Api-Key-Leak-4',
      influx: 'Influx-Token-Leak-5',
    };
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      {
        PORT: String(await freePort()),
        LOG_LEVEL: 'verbose',
        LOG_FORMAT: 'json',
        CONFIG_MASTER_KEY: keyText,
        DB_PRIMARY_URL: encryptSecret(`postgres://app:${secrets.db}@127.0.0.1:1/trading`, key),
        DB_REPLICA_URLS: `postgres://ro:${secrets.replica}@127.0.0.1:2/trading`,
        HEALTH_DETAILS_TOKEN: encryptSecret(secrets.token, key),
        MARKET_DATA_API_KEY: secrets.apiKey,
        INFLUX_TOKEN: encryptSecret(secrets.influx, key),
      },
      cwd,
    );
    const bodies: string[] = [];
    const ourIds = new Map<string, string>();
    try {
      await app.ready();
      for (const path of ['/fixture/crash', '/fixture/log-secrets', '/health/live', '/health/ready', '/nowhere']) {
        const res = await fetch(`${app.url}${path}`, {
          headers: { 'x-request-id': `trace-${path.slice(1).replace(/\//g, '-')}` },
        });
        ourIds.set(path, String(res.headers.get('x-request-id')));
        bodies.push(await res.text());
      }
      // The body arrives in a later packet than the headers, so it is read in the socket's context.
      const echoed = await postInTwoPackets(app.port as number, '/fixture/echo', 'trace-fixture-echo', {
        name: 'n',
        quantity: 1,
        side: 'buy',
      });
      assert.match(echoed, /^HTTP\/1.1 201/, echoed);
      ourIds.set('/fixture/echo', /x-request-id: (\S+)/.exec(echoed)?.[1] ?? 'none');
      app.child.kill('SIGTERM');
      assert.equal(await app.exit(), 0);
    } finally {
      await app.stop();
    }
    assert.match(app.output, /GET \/fixture\/crash failed with 500/, 'the crash was logged');
    assert.match(app.output, /primary is postgres:\/\/app:\*\*\*@/, 'the log line survived, masked');
    const line = app.output.split('\n').find((l) => l.includes('primary is'));
    assert.ok(
      line?.includes(
        `"requestId":"${ourIds.get('/fixture/log-secrets')}","clientRequestId":"trace-fixture-log-secrets"`,
      ),
      `a line logged while handling a request carries our id, and the caller's beside it: ${line}`,
    );
    const echoLine = app.output.split('\n').find((l) => l.includes('echo received'));
    assert.ok(
      echoLine?.includes(`"requestId":"${ourIds.get('/fixture/echo')}","clientRequestId":"trace-fixture-echo"`),
      `also after the body was read from the socket: ${echoLine}`,
    );
    const everything = app.output + bodies.join('\n');
    for (const secret of [...Object.values(secrets), keyText, 'field-level-pw-123']) {
      assert.ok(!everything.includes(secret), `secret ${secret.slice(0, 6)}… leaked`);
    }
  });

  it('with SHUTDOWN_DELAY_MS keeps answering after SIGTERM, readiness 503, until the load balancer has had time', async () => {
    const app = AppProcess.spawn(FIXTURE_ENTRY, { PORT: String(await freePort()), SHUTDOWN_DELAY_MS: '1500' }, cwd);
    try {
      await app.ready();
      app.child.kill('SIGTERM');
      await waitFor('readiness to fail', async () => (await fetch(`${app.url}/health/ready`)).status === 503, 5000, 20);
      // Nothing is in flight, so without the delay the listener would already be closed.
      const served = await fetch(`${app.url}/fixture/unavailable`);
      assert.equal(served.status, 503, 'an ordinary route still answers');
      assert.equal(served.headers.get('connection'), 'close');
      assert.equal(await app.exit(), 0);
      assert.match(app.output, /still serving for 1500 ms/);
    } finally {
      await app.stop();
    }
  });

  it('on SIGTERM fails readiness at once, closes connections after each answer, and lets the in-flight request finish', async () => {
    const app = AppProcess.spawn(FIXTURE_ENTRY, { PORT: String(await freePort()), SHUTDOWN_DRAIN_MS: '10000' }, cwd);
    try {
      await app.ready();
      const slow = fetch(`${app.url}/fixture/slow`);
      await waitFor('the slow request in flight', async () => app.output.includes('slow request started'));
      app.child.kill('SIGTERM');
      await waitFor('readiness to fail', async () => (await fetch(`${app.url}/health/ready`)).status === 503, 5000, 20);
      // Still served while draining, each answer closing its connection, and readiness 0 for Prometheus.
      const metrics = await fetch(`${app.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.equal(metrics.headers.get('connection'), 'close', 'pooled connections move to other instances');
      assert.match(await metrics.text(), /^health_ready 0$/m);
      const finished = await slow;
      assert.equal(finished.status, 200);
      assert.deepEqual(await finished.json(), { done: true });
      assert.equal(await app.exit(), 0);
      assert.match(app.output, /shutdown complete/);
    } finally {
      await app.stop();
    }
  });
});
