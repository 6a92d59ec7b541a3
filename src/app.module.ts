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
import { DocsModule } from './core/docs/index.js';
import { requestPipelineProviders } from './request-pipeline.js';

export interface AppModuleOptions extends AppConfigOptions {
  /** Extra modules: how a team adds its own features without editing this file. */
  imports?: ModuleMetadata['imports'];
}

/** The app's modules, core then domain then a team's: their configs are the variables read. */
export function appModules(options: Pick<AppModuleOptions, 'imports'> = {}): NonNullable<ModuleMetadata['imports']> {
  return [
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
    DocsModule,
    EventsModule,
    QuotesModule,
    OrdersModule,
    PositionsModule,
    ...(options.imports ?? []),
  ];
}

/**
 * The service: infrastructure modules from `core/`, domain modules from `modules/`.
 * A team extends it by adding its own modules to `imports`.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    const modules = appModules(options);
    return {
      module: AppModule,
      // The config module reads the variables of every module listed, before any of them starts.
      imports: [AppConfigModule.forRoot({ env: options.env, modules }), ...modules],
      // The global pipe and filter; src/request-pipeline.ts lists everything a request meets, in order.
      providers: requestPipelineProviders,
    };
  }
}
