/**
 * The process's own availability, as Spring's ApplicationAvailability: whether it accepts
 * traffic, and how many requests are in flight. A plain class: server.ts (installShutdown) drives it on SIGTERM.
 */
export class AvailabilityState {
  private shuttingDown = false;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private shutdownListeners: Array<() => void> = [];

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestFinished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.releaseWaiters();
  }

  /** Readiness fails from now on; liveness stays up while requests drain. */
  beginShutdown(): void {
    this.shuttingDown = true;
    for (const listener of this.shutdownListeners) listener();
  }

  /** Called when shutdown begins (the management port republishes readiness at once). */
  onShutdown(listener: () => void): void {
    this.shutdownListeners.push(listener);
  }

  /** Resolves when no request is in flight, or after `maxMs`; tells which. */
  async waitForDrain(maxMs: number): Promise<'drained' | 'timeout'> {
    if (this.inFlight === 0) return 'drained';
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<'drained' | 'timeout'>((resolve) => {
        this.drainWaiters.push(() => resolve('drained'));
        timer = setTimeout(() => resolve('timeout'), maxMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private releaseWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
