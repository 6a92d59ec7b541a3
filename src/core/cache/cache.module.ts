import { CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import Keyv from 'keyv';
import { HealthModule } from '../health/index.js';
import { CacheHealth } from './cache.health.js';
import { cacheProviders } from './cache.providers.js';
import { CacheService } from './cache.service.js';
import { KeyvFailoverStore } from './keyv-store.adapter.js';

@Module({
  imports: [HealthModule],
  providers: [...cacheProviders, CacheService, CacheHealth],
  exports: [CacheService],
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
      inject: [CacheService],
      useFactory: (cache: CacheService) => ({
        stores: [new Keyv({ store: new KeyvFailoverStore(cache.store), namespace: 'nest' })],
      }),
    }),
  ],
  exports: [CacheCoreModule],
})
export class CacheModule {}
