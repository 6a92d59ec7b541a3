/*
 * The management port's listener, run in a worker thread (eval'd, so the bundle needs no second
 * file). Plain JavaScript, no imports from the service: it must keep answering while the main
 * thread's event loop is saturated. Bare `GET|HEAD /health/live` and `/health/ready` are answered
 * here from what the main thread last published (at most a refresh interval old), and turn 503
 * when the main thread's heartbeat is older than the stall threshold. Everything else on the port
 * (/metrics, /docs, /health with details) is posted to the main thread, which injects it into the
 * app as before.
 */
export const PROBE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, host, heartbeat, stallMs, limits, pathsSource, notFoundBody } = workerData;
const idPrefix = 'mgmt-' + require('node:crypto').randomBytes(6).toString('hex') + '-';
let requests = 0;
const beat = new Float64Array(heartbeat);
const paths = new RegExp(pathsSource);
let answers = workerData.answers;
const pending = new Map();
let nextId = 0;
parentPort.on('message', (message) => {
  if (message.kind === 'answers') answers = message.answers;
  if (message.kind !== 'response') return;
  const res = pending.get(message.id);
  pending.delete(message.id);
  if (!res || res.destroyed) return;
  res.writeHead(message.status, message.headers);
  res.end(message.body);
});
const server = http.createServer((req, res) => {
  const method = req.method;
  if ((method !== 'GET' && method !== 'HEAD') || !paths.test(req.url)) {
    const requestId = idPrefix + (++requests).toString(36);
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
    return res.end(notFoundBody.replace('{requestId}', requestId));
  }
  const probe = req.url === '/health/live' ? answers.live : req.url === '/health/ready' ? answers.ready : undefined;
  if (probe && req.headers.authorization === undefined) {
    const lagMs = Date.now() - beat[0];
    const answer = lagMs > stallMs
      ? { status: 503, body: JSON.stringify({ status: 'error', reason: 'event loop stalled', lagMs: Math.round(lagMs) }) }
      : probe;
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    return res.end(method === 'HEAD' ? undefined : answer.body);
  }
  const id = nextId++;
  pending.set(id, res);
  res.on('close', () => pending.delete(id));
  parentPort.postMessage({ kind: 'request', id, method, url: req.url, headers: req.headers });
});
server.maxConnections = limits.maxConnections;
server.headersTimeout = limits.headersTimeoutMs;
server.requestTimeout = limits.requestTimeoutMs;
server.keepAliveTimeout = limits.keepAliveTimeoutMs;
server.on('error', (error) => parentPort.postMessage({ kind: 'error', message: String(error && error.message) }));
server.listen(port, host, () => parentPort.postMessage({ kind: 'listening' }));
`;
