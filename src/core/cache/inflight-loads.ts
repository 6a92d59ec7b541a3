/** A running cache-aside load; `invalidated` when its key was deleted meanwhile. */
export interface InflightLoad {
  promise: Promise<unknown>;
  invalidated: boolean;
}

/**
 * One running load per key, shared by CacheService (which runs them) and the coherence port
 * (which stops them when another instance deletes the key): a stopped load still answers its
 * callers, but does not cache its (older) value.
 */
export class InflightLoads {
  private readonly loads = new Map<string, InflightLoad>();

  get(key: string): InflightLoad | undefined {
    return this.loads.get(key);
  }

  set(key: string, load: InflightLoad): void {
    this.loads.set(key, load);
  }

  /** Forgets `load` when it is still the one running for `key`. */
  finished(key: string, load: InflightLoad): void {
    if (this.loads.get(key) === load) this.loads.delete(key);
  }

  stop(key: string): void {
    const running = this.loads.get(key);
    if (running) {
      running.invalidated = true;
      this.loads.delete(key);
    }
  }
}
