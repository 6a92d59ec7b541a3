/** A price as a market-data provider reports it. */
export interface Quote {
  symbol: string;
  price: number;
  /** When the provider priced it, ISO 8601. */
  timestamp: string;
  /** Set by a feed that is not a market: `simulated`. */
  source?: 'simulated';
}

/**
 * The seam for a real broker or feed: implement it and provide it under MARKET_DATA_ADAPTER.
 * It must honour `signal` (aborted at the call's timeout) and throw on any failure; an error
 * with `status` (HTTP) or `errorClass` is classified for the circuit breaker.
 */
export interface MarketDataAdapter {
  readonly configured: boolean;
  /** What health says of the source: `http`, `simulated`, or `none` (not configured). */
  readonly source: 'http' | 'simulated' | 'none';
  getQuote(symbol: string, signal: AbortSignal): Promise<Quote>;
  /** A price available without a call (a simulated feed), for risk checks before any quote was asked. */
  peek?(symbol: string): Quote | undefined;
}

export const MARKET_DATA_ADAPTER = 'QUOTES:MARKET_DATA_ADAPTER';
