import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamMode = 'ok' | 'fail' | 'slow' | 'hang' | 'malformed' | 'rate-limited';

/**
 * A market-data provider on a free loopback port that speaks the built-in contract
 * (`GET /quotes/{symbol}`) and that a test can make fail, slow down, hang or talk nonsense.
 */
export class HttpUpstream {
  mode: UpstreamMode = 'ok';
  price = 100;
  slowMs = 300;
  hits = 0;
  /** The headers of every request, in order (what a provider sees: a `traceparent`, an API key). */
  readonly requestHeaders: IncomingHttpHeaders[] = [];
  /** Like a provider's rate limit: past this many quotes in a second, 429 with Retry-After: 1. */
  allowPerSecond = Number.POSITIVE_INFINITY;
  refused = 0;
  private window = { second: 0, count: 0 };
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HttpUpstream> {
    const server = createServer();
    const upstream = new HttpUpstream(server);
    server.on('request', (req, res) => {
      upstream.requestHeaders.push(req.headers);
      upstream.handle(req.url ?? '', res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(url: string, res: ServerResponse): void {
    const match = /^\/quotes\/([^/?]+)/.exec(url);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    this.hits += 1;
    const second = Math.floor(Date.now() / 1000);
    if (this.window.second !== second) this.window = { second, count: 0 };
    if (++this.window.count > this.allowPerSecond) {
      this.refused += 1;
      res.writeHead(429, { 'retry-after': '1' }).end();
      return;
    }
    const symbol = decodeURIComponent(match[1]);
    const body = JSON.stringify({ symbol, price: this.price, timestamp: new Date().toISOString() });
    switch (this.mode) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return;
      case 'fail':
        res.writeHead(500).end('internal error');
        return;
      case 'rate-limited':
        res.writeHead(429, { 'retry-after': '1' }).end();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ symbol, price: 'lots' }));
        return;
      case 'slow':
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), this.slowMs);
        return;
      case 'hang':
        this.hanging.add(res);
        return;
    }
  }
}
