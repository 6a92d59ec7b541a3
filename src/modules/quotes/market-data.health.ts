import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { tradingConfig } from './quotes.config.js';
import { HealthService } from '../../core/health/index.js';
import { MARKET_DATA_ADAPTER, type MarketDataAdapter } from './market-data.adapter.js';

/** `marketData`: asks the provider for the first traded symbol; not critical: stale prices can still be served. */
@Injectable()
export class MarketDataHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    @Inject(MARKET_DATA_ADAPTER) private readonly adapter: MarketDataAdapter,
    @Inject(tradingConfig.KEY) private readonly trading: ConfigType<typeof tradingConfig>,
  ) {}

  onModuleInit(): void {
    this.health.register({ name: 'marketData', critical: false, check: (key, signal) => this.check(key, signal) });
  }

  private async check(key: string, signal: AbortSignal) {
    // Never a bare up: say where prices come from, or that nothing is configured.
    if (this.adapter.source === 'none')
      return this.indicators.check(key).up({ source: 'none', message: 'not configured: quotes answer 503' });
    if (this.adapter.source === 'simulated')
      return this.indicators.check(key).up({ source: 'simulated', message: 'simulated feed, not a market' });
    return this.indicators.check(key).attempt(async ({ signal: attemptSignal }) => {
      await this.adapter.getQuote(this.trading.symbols[0], AbortSignal.any([signal, attemptSignal]));
      return { source: 'http' };
    });
  }
}
