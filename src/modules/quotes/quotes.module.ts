import { Module } from '@nestjs/common';
import { CacheModule } from '../../core/cache/index.js';
import { CircuitBreakerModule } from '../../core/circuit-breaker/index.js';
import { HealthModule } from '../../core/health/index.js';
import { HttpMarketDataAdapter } from './http-market-data.adapter.js';
import { MARKET_DATA_ADAPTER } from './market-data.adapter.js';
import { MarketDataHealth } from './market-data.health.js';
import { QuotesController } from './quotes.controller.js';
import { QuotesService } from './quotes.service.js';

/**
 * Example domain module: prices from a market-data provider behind timeout, retry and a
 * circuit breaker. To plug a real feed, provide another MarketDataAdapter under MARKET_DATA_ADAPTER.
 */
@Module({
  imports: [CircuitBreakerModule, CacheModule, HealthModule],
  controllers: [QuotesController],
  providers: [QuotesService, MarketDataHealth, { provide: MARKET_DATA_ADAPTER, useClass: HttpMarketDataAdapter }],
  exports: [QuotesService],
})
export class QuotesModule {}
