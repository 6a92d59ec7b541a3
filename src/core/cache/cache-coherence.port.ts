import type { FailoverStore } from './failover-store.js';
import type { InflightLoads } from './inflight-loads.js';

/** The cache's side of coherence across a fleet, for the module that relays deletes (CacheCoherenceModule). */
export const CACHE_COHERENCE = Symbol('CACHE_COHERENCE');

export interface CacheCoherencePort {
  /** Deletes `keys` another instance changed (relayed to this one), here and in Redis. */
  invalidate(keys: readonly string[]): Promise<void>;
  /** Deletes that could not reach Redis, to tell the other instances of (see FailoverStore). */
  onUnpropagatedDelete(listener: (keys: string[]) => Promise<unknown>): () => void;
}

/** The port over the store and the running loads: not on CacheService, which teams use. */
export class StoreCoherence implements CacheCoherencePort {
  constructor(
    private readonly store: FailoverStore,
    private readonly loads: InflightLoads,
  ) {}

  async invalidate(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.loads.stop(key);
    await this.store.invalidate(keys);
  }

  onUnpropagatedDelete(listener: (keys: string[]) => Promise<unknown>): () => void {
    return this.store.onUnpropagatedDelete(listener);
  }
}
