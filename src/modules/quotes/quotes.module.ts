import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { CacheModule } from '../../core/cache/index.js';
import { CircuitBreakerModule } from '../../core/circuit-breaker/index.js';
import { HealthModule } from '../../core/health/index.js';
import { RateLimitModule } from '../../core/rate-limit/index.js';
import { HttpMarketDataAdapter } from './http-market-data.adapter.js';
import { MARKET_DATA_ADAPTER, type MarketDataAdapter } from './market-data.adapter.js';
import { SimulatedMarketDataAdapter } from './simulated-market-data.adapter.js';
import { MarketDataHealth } from './market-data.health.js';
import { QuotesController } from './quotes.controller.js';
import { QuotesService } from './quotes.service.js';
import { marketDataConfig, tradingConfig } from './quotes.config.js';

/**
 * Example domain module: prices from a market-data provider behind timeout, retry and a
 * circuit breaker. To plug a real feed, provide another MarketDataAdapter under MARKET_DATA_ADAPTER.
 */
@Module({
  imports: [
    ConfigModule.forFeature(tradingConfig),
    ConfigModule.forFeature(marketDataConfig),
    CircuitBreakerModule,
    CacheModule,
    HealthModule,
    RateLimitModule,
  ],
  controllers: [QuotesController],
  providers: [
    QuotesService,
    MarketDataHealth,
    HttpMarketDataAdapter,
    {
      provide: MARKET_DATA_ADAPTER,
      inject: [marketDataConfig.KEY, HttpMarketDataAdapter],
      useFactory: (config: ConfigType<typeof marketDataConfig>, http: HttpMarketDataAdapter): MarketDataAdapter =>
        config.source === 'simulated' ? new SimulatedMarketDataAdapter() : http,
    },
  ],
  exports: [QuotesService],
})
export class QuotesModule {}
