import { TimeoutError } from '../common/index.js';

interface Slot {
  rejecters: Array<(reason: unknown) => void>;
}

/**
 * Bounds many operations with few timers: operations whose deadlines fall in the same slice of
 * `granularityMs` share one timer, which rejects those still waiting. No timer, no AbortSignal,
 * no Promise.race per operation (node-redis's per-command AbortSignal.timeout costs 4x its
 * throughput here). The deadline is rounded down, so an operation never waits longer than `timeoutMs`.
 */
export class SharedDeadlines {
  private readonly slots = new Map<number, Slot>();
  private lastId = -1;
  private lastSlot?: Slot;
  private readonly error: TimeoutError;

  constructor(
    private readonly timeoutMs: number,
    private readonly granularityMs = Math.max(1, Math.floor(timeoutMs / 5)),
    private readonly now: () => number = Date.now,
  ) {
    this.error = new TimeoutError('cache operation', timeoutMs);
  }

  bound<T>(operation: Promise<T>): Promise<T> {
    const slot = this.slot();
    return new Promise<T>((resolve, reject) => {
      operation.then(resolve, reject);
      // Rejecting an already settled promise is a no-op: no bookkeeping on the happy path.
      slot.rejecters.push(reject);
    });
  }

  private slot(): Slot {
    const id = Math.floor((this.now() + this.timeoutMs) / this.granularityMs);
    // Consecutive operations mostly land in the same slot: skip the map then.
    if (id === this.lastId && this.lastSlot) return this.lastSlot;
    let slot = this.slots.get(id);
    if (!slot) {
      const created: Slot = { rejecters: [] };
      slot = created;
      this.slots.set(id, created);
      // Not unref'd: an operation waiting on it must keep the process alive until it is settled.
      setTimeout(
        () => {
          this.slots.delete(id);
          for (const reject of created.rejecters) reject(this.error);
        },
        Math.max(0, id * this.granularityMs - this.now()),
      );
    }
    this.lastId = id;
    this.lastSlot = slot;
    return slot;
  }
}
