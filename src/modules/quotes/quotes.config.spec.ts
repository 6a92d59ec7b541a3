import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../../core/config/index.js';
import { marketDataConfig, tradingConfig } from './quotes.config.js';

// A module's config spec: its variables and rules loaded alone, as the app loads them with the rest.
const loaded = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [tradingConfig, marketDataConfig] });

describe('quotes config', () => {
  it('takes prices from the URL when given, a simulation on a laptop, none in production', () => {
    assert.equal(loaded({ MARKET_DATA_URL: 'http://feed:9090' }).config(marketDataConfig).source, 'http');
    assert.equal(loaded({}).config(marketDataConfig).source, 'simulated');
    assert.equal(loaded({ NODE_ENV: 'production' }).config(marketDataConfig).source, 'none');
  });

  it('gives each caller 1200 quotes a minute in production, none counted elsewhere unless set', () => {
    assert.equal(loaded({ NODE_ENV: 'production' }).config(marketDataConfig).quotesPerMinute, 1200);
    assert.equal(loaded({}).config(marketDataConfig).quotesPerMinute, 0);
    assert.equal(loaded({ RATE_LIMIT_QUOTES_PER_MINUTE: '5' }).config(marketDataConfig).quotesPerMinute, 5);
  });

  it('reads the symbols upper-cased and needs a URL for MARKET_DATA_SOURCE=http', () => {
    assert.deepEqual(loaded({ TRADING_SYMBOLS: 'aapl, msft' }).config(tradingConfig).symbols, ['AAPL', 'MSFT']);
    assert.throws(
      () => loaded({ MARKET_DATA_SOURCE: 'http' }),
      (error: unknown) => error instanceof ConfigValidationError && error.variables.join() === 'MARKET_DATA_URL',
    );
  });
});
