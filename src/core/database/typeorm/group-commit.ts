interface Waiting<I, R> {
  item: I;
  keys: readonly string[];
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Natural batching: an item submitted while fewer than `maxInFlight` runs are out runs at once, on
 * its own (no timer, no added wait under light load); items submitted while they are all out wait,
 * and the next run takes up to `maxItems` of them in submission order. Two items with a key in
 * common are never out at once, the later one waiting for the earlier one's run to end: a run never
 * holds two writes of one row or one stream, and writes of one key are applied in the order they
 * were submitted. A run that fails as a whole fails each of its items with its error, and the
 * waiting ones too when `failsWaiting` says they would meet it.
 */
export class GroupCommit<I, R> {
  private readonly queue: Waiting<I, R>[] = [];
  private inFlight = 0;
  // Keys of the items out in a run: an item that shares one waits for that run to end.
  private readonly busy = new Set<string>();

  constructor(
    /** A run's outcome per item: one item's refusal need not fail the others. */
    private readonly run: (items: I[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly maxItems: number,
    private readonly maxInFlight: number,
    /**
     * A run's failure that the items waiting behind it would meet too (their store is down or
     * frozen): they fail with it at once rather than each waiting out a run of its own.
     */
    private readonly failsWaiting: (error: unknown) => boolean = () => false,
  ) {}

  submit(item: I, keys: readonly string[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, keys, resolve, reject });
      this.drain();
    });
  }

  /** Items waiting for a run (not counting those out in one). */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      void this.start(batch);
    }
  }

  /**
   * Up to maxItems waiting items, oldest first, none sharing a key with another or with an item
   * out in a run; the rest keep their places. An item skipped for a key stops later items with any
   * of its keys too, so a key's items leave in their order.
   */
  private take(): Waiting<I, R>[] {
    const taken: Waiting<I, R>[] = [];
    const blocked = new Set(this.busy);
    let i = 0;
    while (i < this.queue.length && taken.length < this.maxItems) {
      const w = this.queue[i];
      const free = !w.keys.some((k) => blocked.has(k));
      for (const k of w.keys) blocked.add(k);
      if (!free) {
        i++;
        continue;
      }
      taken.push(w);
      this.queue.splice(i, 1);
    }
    return taken;
  }

  private async start(batch: Waiting<I, R>[]): Promise<void> {
    this.inFlight++;
    for (const w of batch) for (const k of w.keys) this.busy.add(k);
    try {
      const results = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const result = results[i];
        if (result.status === 'fulfilled') w.resolve(result.value);
        else w.reject(result.reason);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
      if (this.failsWaiting(error)) for (const w of this.queue.splice(0)) w.reject(error);
    } finally {
      this.inFlight--;
      for (const w of batch) for (const k of w.keys) this.busy.delete(k);
      this.drain();
    }
  }
}
