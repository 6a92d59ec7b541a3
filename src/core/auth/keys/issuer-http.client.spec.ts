import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { IssuerHttpClient } from './issuer-http.client.js';
import { KeyFetchError } from './key-errors.js';

describe(IssuerHttpClient.name, () => {
  let server: Server;
  const hanging = new Set<ServerResponse>();
  const client = new IssuerHttpClient({ jwksTimeoutMs: 300 });
  const url = (path: string, credentials = '') =>
    new URL(`http://${credentials}127.0.0.1:${(server.address() as AddressInfo).port}${path}`);

  before(async () => {
    server = createServer((req, res) => {
      switch (req.url?.split('?')[0]) {
        case '/basic':
          return void res
            .writeHead(
              req.headers.authorization === `Basic ${Buffer.from('user:hunter2').toString('base64')}` ? 200 : 401,
            )
            .end('{"keys":[]}');
        case '/ok':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        case '/500':
          return void res.writeHead(500).end('secret stack trace');
        case '/html':
          return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>');
        case '/redirect':
          return void res.writeHead(302, { location: '/ok' }).end();
        case '/huge':
          return void res.writeHead(200).end(`"${'x'.repeat(600 * 1024)}"`);
        case '/stall':
          res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":');
          return void hanging.add(res);
        default:
          return void hanging.add(res);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const failure = async (target: URL) => {
    const error = await client.getJson(target).catch((e: unknown) => e);
    assert.ok(error instanceof KeyFetchError, String(error));
    return error;
  };

  it('returns the JSON document', async () => {
    assert.deepEqual(await client.getJson(url('/ok')), { keys: [] });
  });

  it('names each failure: a 5xx, a redirect, HTML, a body too large', async () => {
    assert.equal((await failure(url('/500'))).failure, 'status');
    assert.equal((await failure(url('/redirect'))).failure, 'status', 'redirects are not followed');
    assert.equal((await failure(url('/html'))).failure, 'not-json');
    assert.equal((await failure(url('/huge'))).failure, 'too-large');
  });

  it('bounds the whole exchange: no answer, or headers then silence', async () => {
    assert.equal((await failure(url('/hang'))).failure, 'timeout');
    assert.equal((await failure(url('/stall'))).failure, 'timeout');
  });

  it('sends credentials in the URL as Basic auth', async () => {
    assert.deepEqual(await client.getJson(url('/basic', 'user:hunter2@')), { keys: [] });
  });

  it('says where it failed without the credentials or query of the URL, nor the body', async () => {
    const error = await failure(url('/500?token=s3cr3t', 'user:hunter2@'));
    assert.match(error.message, /^http:\/\/127\.0\.0\.1:\d+\/500 answered 500$/);
    assert.equal((await failure(url('/hang', 'user:hunter2@'))).message.includes('hunter2'), false);
  });
});
