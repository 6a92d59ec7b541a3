export { CacheModule } from './cache.module.js';
export { CacheService, type WrapOptions } from './cache.service.js';
export { createFailoverStore } from './cache.providers.js';
export { FailoverStore, type CacheBackendName } from './failover-store.js';
export { SharedDeadlines } from './shared-deadlines.js';
