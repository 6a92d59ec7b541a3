/**
 * Notices a stalled event loop: a timer that should fire every `intervalMs` measures how late it
 * is. Stalled when the last lateness, or the time since the last tick, exceeds `stallMs`.
 * A plain class with an injected clock: tests call tick() instead of blocking the loop.
 */
export class EventLoopWatch {
  private lastTick: number;
  private lastLagMs = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stallMs: number,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastTick = now();
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const now = this.now();
    this.lastLagMs = Math.max(0, now - this.lastTick - this.intervalMs);
    this.lastTick = now;
  }

  get lagMs(): number {
    return this.lastLagMs;
  }

  isStalled(): boolean {
    const sinceTick = this.now() - this.lastTick - this.intervalMs;
    return this.lastLagMs > this.stallMs || sinceTick > this.stallMs;
  }
}
