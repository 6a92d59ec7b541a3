export { CacheModule } from './cache.module.js';
export { CacheService, type WrapOptions } from './cache.service.js';
export { type CacheBackendName } from './failover-store.js';
export { SHARED_COUNTERS, type SharedCounters } from './shared-counters.js';
export { cacheConfig, CacheEnv } from './cache.config.js';
export { CACHE_COHERENCE, type CacheCoherencePort } from './cache-coherence.port.js';
