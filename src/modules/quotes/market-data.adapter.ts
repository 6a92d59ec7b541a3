/** A price as a market-data provider reports it. */
export interface Quote {
  symbol: string;
  price: number;
  /** When the provider priced it, ISO 8601. */
  timestamp: string;
}

/**
 * The seam for a real broker or feed: implement it and provide it under MARKET_DATA_ADAPTER.
 * It must honour `signal` (aborted at the call's timeout) and throw on any failure; an error
 * with `status` (HTTP) or `errorClass` is classified for the circuit breaker.
 */
export interface MarketDataAdapter {
  readonly configured: boolean;
  getQuote(symbol: string, signal: AbortSignal): Promise<Quote>;
}

export const MARKET_DATA_ADAPTER = 'QUOTES:MARKET_DATA_ADAPTER';
