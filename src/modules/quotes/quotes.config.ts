import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EnvVar, IsServiceUrl, ToInt, ToUpperList, featureConfig } from '../../core/config/index.js';

/** The symbols this service quotes and takes orders in. */
export class TradingEnv {
  @EnvVar({ group: 'trading', description: 'Tradable symbols, comma separated', example: 'AAPL,MSFT,GOOG,AMZN,TSLA' })
  @ToUpperList()
  @ArrayMaxSize(10_000)
  @Matches(/^[A-Z][A-Z0-9.-]{0,11}$/, { each: true })
  TRADING_SYMBOLS: string[] = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA'];
}

export const tradingConfig = featureConfig('trading', TradingEnv, (e) => ({ symbols: e.TRADING_SYMBOLS }));

/** Where prices come from, and the quotes budget of each caller. */
export class MarketDataEnv {
  @EnvVar({
    group: 'marketData',
    description:
      'http | simulated | none (empty: http with MARKET_DATA_URL, else simulated outside production, none in it)',
    example: '',
    hint: 'simulated',
  })
  @IsOptional()
  @IsIn(['http', 'simulated', 'none'])
  MARKET_DATA_SOURCE?: 'http' | 'simulated' | 'none';

  @EnvVar({
    group: 'marketData',
    description: 'Market-data provider base URL (MARKET_DATA_SOURCE=http)',
    secret: 'url',
    example: '',
    hint: 'http://127.0.0.1:9090',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  MARKET_DATA_URL?: string;

  @EnvVar({ group: 'marketData', description: 'Timeout of one provider call, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  MARKET_DATA_TIMEOUT_MS = 1000;

  @EnvVar({ group: 'marketData', description: 'Retries of a failed provider call', example: '2' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10)
  MARKET_DATA_RETRIES = 2;

  @EnvVar({
    group: 'marketData',
    description: 'A fetched price is served without a new call for this long, ms (0 = always call)',
    example: '500',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  MARKET_DATA_CACHE_TTL_MS = 500;

  @EnvVar({ group: 'marketData', description: 'API key sent to the provider', secret: 'secret', example: '' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  MARKET_DATA_API_KEY?: string;

  @EnvVar({
    group: 'marketData',
    description:
      'Quote requests per subject (or address) per minute, a budget of its own; 0 = off (empty: 1200 in production, off otherwise)',
    example: '',
    hint: '1200',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_QUOTES_PER_MINUTE?: number;
}

export const marketDataConfig = featureConfig(
  'marketData',
  MarketDataEnv,
  (e, profile) => ({
    /** Where prices come from; a simulated feed only where it was asked for or on a laptop. */
    source: e.MARKET_DATA_SOURCE ?? (e.MARKET_DATA_URL ? 'http' : profile.isProduction ? 'none' : 'simulated'),
    url: e.MARKET_DATA_URL,
    timeoutMs: e.MARKET_DATA_TIMEOUT_MS,
    retries: e.MARKET_DATA_RETRIES,
    apiKey: e.MARKET_DATA_API_KEY,
    cacheTtlMs: e.MARKET_DATA_CACHE_TTL_MS,
    quotesPerMinute: e.RATE_LIMIT_QUOTES_PER_MINUTE ?? (profile.isProduction ? 1200 : 0),
  }),
  {
    rules: (e) =>
      e.MARKET_DATA_SOURCE === 'http' && !e.MARKET_DATA_URL
        ? [{ variable: 'MARKET_DATA_URL', rule: 'required', message: 'must be set when MARKET_DATA_SOURCE=http' }]
        : [],
  },
);
