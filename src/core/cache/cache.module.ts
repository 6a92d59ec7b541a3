import { CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import Keyv from 'keyv';
import { ConfigModule } from '@nestjs/config';
import { cacheConfig } from './cache.config.js';
import { HealthModule } from '../health/index.js';
import { CacheHealth } from './cache.health.js';
import { cacheProviders } from './cache.providers.js';
import { CacheService } from './cache.service.js';
import { FailoverStore } from './failover-store.js';
import { SHARED_COUNTERS } from './shared-counters.js';
import { CACHE_COHERENCE, StoreCoherence } from './cache-coherence.port.js';
import { InflightLoads } from './inflight-loads.js';
import { KeyvFailoverStore } from './keyv-store.adapter.js';

@Module({
  imports: [ConfigModule.forFeature(cacheConfig), HealthModule],
  providers: [
    ...cacheProviders,
    CacheService,
    CacheHealth,
    { provide: InflightLoads, useFactory: () => new InflightLoads() },
    { provide: SHARED_COUNTERS, useExisting: FailoverStore },
    {
      provide: CACHE_COHERENCE,
      inject: [FailoverStore, InflightLoads],
      useFactory: (store: FailoverStore, loads: InflightLoads) => new StoreCoherence(store, loads),
    },
  ],
  exports: [CacheService, SHARED_COUNTERS, CACHE_COHERENCE, FailoverStore],
})
class CacheCoreModule {}

/**
 * Redis (standalone or Sentinel) with a memory fallback, as CacheService and as the global
 * CACHE_MANAGER of @nestjs/cache-manager; both share one store.
 */
@Module({
  imports: [
    CacheCoreModule,
    NestCacheModule.registerAsync({
      isGlobal: true,
      imports: [CacheCoreModule],
      inject: [FailoverStore],
      useFactory: (store: FailoverStore) => ({
        stores: [new Keyv({ store: new KeyvFailoverStore(store), namespace: 'nest' })],
      }),
    }),
  ],
  exports: [CacheCoreModule],
})
export class CacheModule {}
