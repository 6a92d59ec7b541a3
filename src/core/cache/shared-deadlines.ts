import { TimeoutError } from '../common/index.js';

/**
 * Bounds many operations with few timers: operations whose deadlines fall in the same slice of
 * `granularityMs` race one shared timeout promise. No timer, no AbortSignal per operation
 * (node-redis's per-command AbortSignal.timeout costs 4x its throughput here). The deadline is
 * rounded down, so an operation never waits longer than `timeoutMs`.
 */
export class SharedDeadlines {
  private readonly slots = new Map<number, Promise<never>>();
  private readonly error: TimeoutError;

  constructor(
    private readonly timeoutMs: number,
    private readonly granularityMs = Math.max(1, Math.floor(timeoutMs / 5)),
    private readonly now: () => number = Date.now,
  ) {
    this.error = new TimeoutError('cache operation', timeoutMs);
  }

  bound<T>(operation: Promise<T>): Promise<T> {
    return Promise.race([operation, this.slot()]);
  }

  private slot(): Promise<never> {
    const slot = Math.floor((this.now() + this.timeoutMs) / this.granularityMs);
    let deadline = this.slots.get(slot);
    if (!deadline) {
      deadline = new Promise<never>((_, reject) => {
        const timer = setTimeout(() => {
          this.slots.delete(slot);
          reject(this.error);
        }, Math.max(0, slot * this.granularityMs - this.now()));
        timer.unref();
      });
      // The shared promise rejects whether or not anyone still waits on it.
      deadline.catch(() => undefined);
      this.slots.set(slot, deadline);
    }
    return deadline;
  }
}
