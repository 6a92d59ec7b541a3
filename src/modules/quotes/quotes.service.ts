import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  BackpressureError,
  CircuitBreakerRegistry,
  CircuitOpenError,
  type ResiliencePolicy,
} from '../../core/circuit-breaker/index.js';
import { CacheService } from '../../core/cache/index.js';
import { AppError, ErrorCode } from '../../core/common/index.js';
import { marketDataConfig, tradingConfig } from './quotes.config.js';
import { MARKET_DATA_ADAPTER, type MarketDataAdapter, type Quote } from './market-data.adapter.js';

export const MARKET_DATA_BREAKER = 'marketData';

export interface QuoteView extends Quote {
  /** True when the provider could not be asked and this is the last price known. */
  stale: boolean;
  /** How long ago this process received the price, ms. */
  ageMs: number;
}

interface Known {
  quote: Quote;
  receivedAt: number;
}

/**
 * Prices through timeout + retry + breaker, one provider call per symbol at a time. While the
 * provider is failing, refusing (429: calls pause for its Retry-After) or the breaker is open, the
 * last known price is served marked stale with its age; with none known, 503 + Retry-After.
 */
@Injectable()
export class QuotesService {
  // Last known price per symbol, for stale answers even while the cache is unreachable:
  // bounded by TRADING_SYMBOLS, so a Map is enough.
  private readonly known = new Map<string, Known>();
  // One provider call per symbol at a time: concurrent misses share its answer (single flight).
  private readonly inFlight = new Map<string, Promise<Known>>();
  private readonly symbols: Set<string>;
  private readonly policy: ResiliencePolicy;

  constructor(
    @Inject(MARKET_DATA_ADAPTER) private readonly adapter: MarketDataAdapter,
    @Inject(marketDataConfig.KEY) private readonly config: ConfigType<typeof marketDataConfig>,
    @Inject(tradingConfig.KEY) trading: ConfigType<typeof tradingConfig>,
    registry: CircuitBreakerRegistry,
    private readonly cache: CacheService,
  ) {
    this.symbols = new Set(trading.symbols);
    this.policy = registry.policy(MARKET_DATA_BREAKER, { timeoutMs: config.timeoutMs, retries: config.retries });
  }

  async quote(rawSymbol: string): Promise<QuoteView> {
    const symbol = rawSymbol.toUpperCase();
    if (!this.symbols.has(symbol)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `symbol "${rawSymbol.slice(0, 16)}" is not traded here`, {
        details: { symbol: 'not in TRADING_SYMBOLS' },
      });
    }
    if (!this.adapter.configured) {
      throw new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        'no market-data provider configured (MARKET_DATA_SOURCE, MARKET_DATA_URL)',
      );
    }
    const known = this.known.get(symbol);
    if (this.config.cacheTtlMs > 0) {
      // Shared by every instance through Redis when there is one; bounded like any cache call.
      const shared = await this.cache.get<Known>(`quote:${symbol}`);
      if (shared && Date.now() - shared.receivedAt < this.config.cacheTtlMs) return this.view(shared, false);
    }
    try {
      return this.view(await this.fetchOnce(symbol), false);
    } catch (error) {
      if (known) return this.view(known, true);
      if (error instanceof CircuitOpenError || error instanceof BackpressureError) throw error;
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no price for ${symbol}: the provider failed`, {
        retryAfterSeconds: Math.max(1, this.policy.breaker.retryAfterMs() / 1000),
        cause: error,
      });
    }
  }

  private fetchOnce(symbol: string): Promise<Known> {
    let call = this.inFlight.get(symbol);
    if (!call) {
      call = this.callProvider(symbol).finally(() => this.inFlight.delete(symbol));
      this.inFlight.set(symbol, call);
    }
    return call;
  }

  private async callProvider(symbol: string): Promise<Known> {
    const quote = await this.policy.execute((signal) => this.adapter.getQuote(symbol, signal));
    const fresh = { quote, receivedAt: Date.now() };
    this.known.set(symbol, fresh);
    if (this.config.cacheTtlMs > 0) await this.cache.set(`quote:${symbol}`, fresh, this.config.cacheTtlMs);
    return fresh;
  }

  /** The last price received for `symbol`, however old, without calling the provider. */
  lastKnownPrice(symbol: string): number | undefined {
    const upper = symbol.toUpperCase();
    return this.known.get(upper)?.quote.price ?? this.adapter.peek?.(upper)?.price;
  }

  private view(known: Known, stale: boolean): QuoteView {
    return { ...known.quote, stale, ageMs: Date.now() - known.receivedAt };
  }
}
