import { Logger } from '@nestjs/common';
import type { PgTarget } from './pg-target.js';

const NONE: PgTarget[] = [];

/**
 * Probes every target on its own schedule (the interval while up, backoff with jitter while down)
 * and keeps the writer sticky: the target that was the writer stays so while it is writable.
 * A second target claiming to be a writer is logged as split brain and not used.
 */
export class TargetMonitor {
  private writerName?: string;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly logger = new Logger('Database');
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly targets: readonly PgTarget[],
    private readonly intervalMs: number,
    private readonly maxReplicaLagMs: number,
  ) {}

  /** Calls `listener` after every probe or refresh; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    for (const target of this.targets) void this.loop(target);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  /** Probes every target now; resolves when all have answered or timed out. */
  async probeAll(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.probe()));
    this.refresh();
  }

  get writer(): PgTarget | undefined {
    const current = this.targets.find((t) => t.name === this.writerName);
    return current?.isWriter ? current : undefined;
  }

  /** Replicas fit to serve reads: reachable, in recovery, lag within budget. */
  readableReplicas(): PgTarget[] {
    // Asked on every routed connection: answer without allocating when there is no replica at all.
    if (this.targets.length < 2) return NONE;
    return this.targets.filter((t) => t.status.reachable && t.status.role === 'replica' && t.status.lagMs <= this.maxReplicaLagMs);
  }

  /** Re-derives the writer after any status change; tells the listeners. */
  refresh(): void {
    const writers = this.targets.filter((t) => t.isWriter);
    const sticky = writers.find((t) => t.name === this.writerName);
    const next = sticky ?? writers[0];
    if (writers.length > 1) {
      this.logger.error(`split brain: ${writers.map((t) => t.name).join(' and ')} both accept writes; keeping ${next?.name}`);
    }
    if (next?.name !== this.writerName && next) {
      this.logger.warn(`writer is now ${next.name}${this.writerName ? ` (was ${this.writerName})` : ''}`);
      this.writerName = next.name;
    }
    for (const listener of this.listeners) listener();
  }

  private async loop(target: PgTarget): Promise<void> {
    if (this.stopped) return;
    const wasUp = target.status.reachable;
    const wasRole = target.status.role;
    await target.probe();
    if (target.status.reachable !== wasUp || target.status.role !== wasRole) {
      this.logger.log(`${target.name}: ${target.status.reachable ? `up (${target.status.role})` : `down (${target.status.lastError})`}`);
    }
    this.refresh();
    if (this.stopped) return;
    const timer = setTimeout(() => void this.loop(target), target.nextProbeDelay(this.intervalMs));
    timer.unref();
    this.timers.set(target.name, timer);
  }
}
