export { QuotesModule } from './quotes.module.js';
export { QuotesService, type QuoteView, MARKET_DATA_BREAKER } from './quotes.service.js';
export { MARKET_DATA_ADAPTER, type MarketDataAdapter, type Quote } from './market-data.adapter.js';
export { UpstreamError } from './http-market-data.adapter.js';
export { tradingConfig, TradingEnv, marketDataConfig, MarketDataEnv } from './quotes.config.js';
export { QUOTE_SCOPES } from './quotes.scopes.js';
