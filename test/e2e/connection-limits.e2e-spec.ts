import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppProcess, FIXTURE_ENTRY, freePort, makeTempDir, removeDir, waitFor, within } from '../harness/index.js';

const CAP = 40;

/** Opens a socket and resolves once connected; `closed` resolves when the server closes it. */
function openSocket(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<string>((done) => socket.on('close', () => done(Buffer.concat(chunks).toString())));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', (error) => (socket.connecting ? reject(error) : undefined));
  });
}

describe('connection and time limits on the main port (a process)', () => {
  let app: AppProcess;
  let cwd: string;
  let managementPort: number;
  const sockets: Socket[] = [];

  before(async () => {
    cwd = makeTempDir('conn-limits');
    managementPort = await freePort();
    app = AppProcess.spawn(
      FIXTURE_ENTRY,
      {
        PORT: String(await freePort()),
        MANAGEMENT_PORT: String(managementPort),
        HTTP_MAX_CONNECTIONS: String(CAP),
        HTTP_HEADERS_TIMEOUT_MS: '1500',
        HTTP_REQUEST_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'fatal',
      },
      cwd,
    );
    // /health/live answers on the management port only.
    await waitFor(
      'the management port',
      async () => (await fetch(`http://127.0.0.1:${managementPort}/health/live`)).ok,
      20_000,
    );
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await app?.stop();
    if (cwd) removeDir(cwd);
  });

  it('closes sockets past the cap at once, keeps probes answering, and frees idle ones after the headers timeout', async () => {
    const held = await Promise.all(Array.from({ length: CAP + 10 }, () => openSocket(app.port as number)));
    sockets.push(...held.map((h) => h.socket));
    // Node closes every socket past the cap as soon as it accepts it.
    const overCap = await within(
      5_000,
      'sockets past the cap to be closed',
      Promise.race([Promise.all(held.slice(CAP).map((h) => h.closed)), new Promise((r) => setTimeout(r, 1_000))]),
    );
    assert.ok(Array.isArray(overCap), 'every socket past the cap was closed within a second');
    const probe = await fetch(`http://127.0.0.1:${managementPort}/health/live`);
    assert.equal(probe.status, 200, 'the management port keeps answering probes while the main port is full');
    // Idle sockets that never send a request are closed by the headers timeout, and the port serves again.
    await within(10_000, 'idle sockets to be closed', Promise.all(held.slice(0, CAP).map((h) => h.closed)));
    assert.equal((await fetch(`${app.url}/fixture/unavailable`)).status, 503, 'the main port serves again');
  });

  it('answers 408 and closes requests whose chunked body never finishes', async () => {
    const started = await Promise.all(Array.from({ length: 20 }, () => openSocket(app.port as number)));
    sockets.push(...started.map((s) => s.socket));
    for (const { socket } of started)
      socket.write(
        'POST /fixture/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam\r\n',
      );
    const answers = await within(12_000, 'unfinished bodies to be closed', Promise.all(started.map((s) => s.closed)));
    for (const answer of answers) assert.match(answer, /^HTTP\/1\.1 408 |^$/, answer.slice(0, 120));
    assert.ok(
      answers.some((a) => a.startsWith('HTTP/1.1 408')),
      'Node answers 408 Request Timeout before closing',
    );
    assert.equal((await fetch(`${app.url}/fixture/unavailable`)).status, 503, 'the main port still serves');
  });
});
