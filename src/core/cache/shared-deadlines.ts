import { TimeoutError } from '../common/index.js';

/** Something waiting on a deadline: `expire()` runs once it passes (a no-op for one already answered). */
export interface Expiring {
  expire(): void;
}

/** bound()'s waiter: rejects its promise when the deadline passes first. */
class BoundWaiter implements Expiring {
  constructor(
    private readonly reject: (reason: unknown) => void,
    private readonly error: TimeoutError,
  ) {}

  expire(): void {
    // Rejecting an already settled promise is a no-op: no bookkeeping on the happy path.
    this.reject(this.error);
  }
}

/**
 * Bounds many operations with few timers: operations whose deadlines fall in the same slice of
 * `granularityMs` share one timer, which expires those still waiting. No timer, no AbortSignal,
 * no Promise.race per operation (node-redis's per-command AbortSignal.timeout costs 4x its
 * throughput here). The deadline is rounded down, so an operation never waits longer than `timeoutMs`.
 */
export class SharedDeadlines {
  private readonly slots = new Map<number, Expiring[]>();
  private lastId = -1;
  private lastSlot?: Expiring[];
  readonly error: TimeoutError;

  constructor(
    readonly timeoutMs: number,
    private readonly granularityMs = Math.max(1, Math.floor(timeoutMs / 5)),
    private readonly now: () => number = Date.now,
  ) {
    this.error = new TimeoutError('cache operation', timeoutMs);
  }

  /** Calls `waiter.expire()` once `timeoutMs` has passed (or a little earlier, never later). */
  add(waiter: Expiring): void {
    this.slot().push(waiter);
  }

  /** `operation`, or a rejection with a TimeoutError once the deadline passes first. */
  bound<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      operation.then(resolve, reject);
      this.add(new BoundWaiter(reject, this.error));
    });
  }

  private slot(): Expiring[] {
    const id = Math.floor((this.now() + this.timeoutMs) / this.granularityMs);
    // Consecutive operations mostly land in the same slot: skip the map then.
    if (id === this.lastId && this.lastSlot) return this.lastSlot;
    let slot = this.slots.get(id);
    if (!slot) {
      const created: Expiring[] = [];
      slot = created;
      this.slots.set(id, created);
      // Not unref'd: an operation waiting on it must keep the process alive until it is settled.
      setTimeout(
        () => {
          this.slots.delete(id);
          if (this.lastSlot === created) this.lastSlot = undefined;
          for (const waiter of created) waiter.expire();
        },
        Math.max(0, id * this.granularityMs - this.now()),
      );
    }
    this.lastId = id;
    this.lastSlot = slot;
    return slot;
  }
}
