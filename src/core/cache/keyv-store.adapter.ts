import type { FailoverStore } from './failover-store.js';

/**
 * The failover store as a Keyv store, for cache-manager (and so @nestjs/cache-manager's
 * CACHE_MANAGER, @CacheKey and CacheInterceptor). Keyv serializes values to strings before they
 * get here; the store adds the key prefix, so Keyv keeps its own namespace and nothing doubles.
 */
export class KeyvFailoverStore {
  readonly opts = { dialect: 'failover' };

  constructor(private readonly store: FailoverStore) {}

  get(key: string): Promise<string | undefined> {
    return this.store.get(key);
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    await this.store.set(key, value, ttl);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    await this.store.del(key);
    return true;
  }

  async clear(): Promise<void> {
    await this.store.clear();
  }

  // Keyv subscribes to its store's events; this store emits none.
  on(): this {
    return this;
  }
}
