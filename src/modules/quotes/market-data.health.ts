import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { tradingConfig } from '../../core/config/index.js';
import { type ComponentHealth, HealthContributor, type HealthIndicator } from '../../core/health/index.js';
import { MARKET_DATA_ADAPTER, type MarketDataAdapter } from './market-data.adapter.js';

/** Asks the provider for the first traded symbol; not critical: stale prices can still be served. */
@Injectable()
@HealthContributor('marketData', { critical: false })
export class MarketDataHealth implements HealthIndicator {
  constructor(
    @Inject(MARKET_DATA_ADAPTER) private readonly adapter: MarketDataAdapter,
    @Inject(tradingConfig.KEY) private readonly trading: ConfigType<typeof tradingConfig>,
  ) {}

  async check(signal: AbortSignal): Promise<ComponentHealth> {
    if (!this.adapter.configured) return { status: 'up', details: { configured: false } };
    const started = performance.now();
    await this.adapter.getQuote(this.trading.symbols[0], signal);
    return { status: 'up', details: { configured: true, latencyMs: Math.round(performance.now() - started) } };
  }
}
