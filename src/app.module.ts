import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AuthModule } from './core/auth/index.js';
import { AppConfigModule, type AppConfigOptions } from './core/config/index.js';
import { HealthModule } from './core/health/index.js';
import { MonitoringModule } from './core/monitoring/index.js';
import { CircuitBreakerModule } from './core/circuit-breaker/index.js';
import { QuotesModule } from './modules/quotes/index.js';
import { OrdersModule } from './modules/orders/index.js';
import { PositionsModule } from './modules/positions/index.js';
import { EventsModule } from './core/events/index.js';
import { DatabaseModule } from './core/database/index.js';
import { CacheModule } from './core/cache/index.js';
import { CacheCoherenceModule } from './core/cache-coherence/index.js';
import { LoggingModule } from './core/logging/index.js';
import { LoadSheddingModule } from './core/load-shedding/index.js';
import { TracingModule } from './core/tracing/index.js';
import { requestPipelineProviders } from './request-pipeline.js';

export interface AppModuleOptions extends AppConfigOptions {
  /** Extra modules: how a team adds its own features without editing this file. */
  imports?: ModuleMetadata['imports'];
}

/**
 * The service: infrastructure modules from `core/`, domain modules from `modules/`.
 * A team extends it by adding its own modules to `imports`.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options),
        LoggingModule,
        TracingModule,
        MonitoringModule,
        LoadSheddingModule,
        AuthModule,
        HealthModule,
        CircuitBreakerModule,
        DatabaseModule,
        CacheModule,
        CacheCoherenceModule,
        EventsModule,
        QuotesModule,
        OrdersModule,
        PositionsModule,
        ...(options.imports ?? []),
      ],
      // The global pipe and filter; src/request-pipeline.ts lists everything a request meets, in order.
      providers: requestPipelineProviders,
    };
  }
}
