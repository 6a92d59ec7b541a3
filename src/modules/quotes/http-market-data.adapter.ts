import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { marketDataConfig } from './quotes.config.js';
import { type Span, SpanKind, spans } from '../../core/tracing/index.js';
import type { MarketDataAdapter, Quote } from './market-data.adapter.js';

/** An upstream answer we cannot use; classified so that the breaker counts it. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly errorClass?: 'upstream-5xx' | 'caller-4xx' | 'rate-limited',
    /** The provider's Retry-After on a 429, ms: how long ResiliencePolicy pauses calls. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

function parseQuote(body: unknown, symbol: string): Quote {
  const q = body as Partial<Quote> | null;
  const valid =
    typeof q === 'object' &&
    q !== null &&
    q.symbol === symbol &&
    typeof q.price === 'number' &&
    Number.isFinite(q.price) &&
    q.price > 0 &&
    typeof q.timestamp === 'string' &&
    !Number.isNaN(Date.parse(q.timestamp));
  if (!valid) throw new UpstreamError('malformed quote from the market-data provider', undefined, 'upstream-5xx');
  return {
    symbol: q.symbol as string,
    price: q.price as number,
    timestamp: new Date(q.timestamp as string).toISOString(),
  };
}

/** The client span's attributes: the URL without credentials, never a header (the API key is one). */
function clientAttributes(url: URL): Record<string, string | number> {
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return {
    'http.request.method': 'GET',
    'server.address': bare.hostname,
    'server.port': Number(bare.port || (bare.protocol === 'https:' ? 443 : 80)),
    'url.full': bare.toString(),
  };
}

/**
 * The built-in provider contract: `GET {MARKET_DATA_URL}/quotes/{symbol}` answering
 * `{"symbol":"AAPL","price":123.45,"timestamp":"<ISO 8601>"}`. Anything else is an upstream failure.
 */
@Injectable()
export class HttpMarketDataAdapter implements MarketDataAdapter {
  constructor(@Inject(marketDataConfig.KEY) private readonly config: ConfigType<typeof marketDataConfig>) {}

  get configured(): boolean {
    return this.config.url !== undefined && this.config.source === 'http';
  }

  get source(): 'http' | 'none' {
    return this.configured ? 'http' : 'none';
  }

  async getQuote(symbol: string, signal: AbortSignal): Promise<Quote> {
    const url = new URL(
      `quotes/${encodeURIComponent(symbol)}`,
      this.config.url?.endsWith('/') ? this.config.url : `${this.config.url}/`,
    );
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.apiKey) headers['x-api-key'] = this.config.apiKey;
    if (!spans.on) return this.call(url, headers, signal, symbol);
    return spans.run('GET /quotes/{symbol}', { kind: SpanKind.CLIENT, attributes: clientAttributes(url) }, (span) => {
      // The provider continues our trace: W3C traceparent on the outbound request.
      spans.inject(headers);
      return this.call(url, headers, signal, symbol, span);
    });
  }

  private async call(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
    symbol: string,
    span?: Span,
  ): Promise<Quote> {
    const response = await fetch(url, { headers, signal });
    span?.setAttribute('http.response.status_code', response.status);
    if (!response.ok) {
      await response.body?.cancel();
      const retryAfterS = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new UpstreamError(
        `market-data provider answered ${response.status}`,
        response.status,
        undefined,
        Number.isFinite(retryAfterS) ? retryAfterS * 1000 : undefined,
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new UpstreamError('market-data provider answered with invalid JSON', undefined, 'upstream-5xx');
    }
    return parseQuote(body, symbol);
  }
}
