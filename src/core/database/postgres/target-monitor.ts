import { Logger } from '@nestjs/common';
import { Listeners } from '../../common/index.js';
import type { PgTarget } from './pg-target.js';
import { type Election, electWriter } from './writer-election.js';

const NONE: PgTarget[] = [];

/** Where the highest timeline seen of each Postgres cluster survives a restart (the instance's journal file). */
export interface TimelineMemory {
  highestTimeline(systemId: string): number;
  rememberTimeline(systemId: string, timeline: number): void;
}

const FORGETFUL: TimelineMemory = { highestTimeline: () => 0, rememberTimeline: () => undefined };

/**
 * Probes every target on its own schedule (the interval while up, backoff with jitter while down)
 * and elects the writer after every probe with the rule all instances share (electWriter: the
 * highest timeline wins). A writable target that loses is fenced, and logged as split brain.
 */
export class TargetMonitor {
  private election: Election = { fenced: [], timeline: 0 };
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly logger = new Logger('Database');
  private readonly listeners = new Listeners();
  /** The writer last warned of for committing asynchronously, so the warning is said once per writer. */
  private warnedAsynchronous?: string;

  constructor(
    readonly targets: readonly PgTarget[],
    private readonly intervalMs: number,
    private readonly maxReplicaLagMs: number,
    private readonly memory: TimelineMemory = FORGETFUL,
  ) {}

  /** Calls `listener` after every probe or refresh; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  start(): void {
    for (const target of this.targets) void this.loop(target);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  get writer(): PgTarget | undefined {
    const current = this.targets.find((t) => t.name === this.election.writer);
    return current?.isWriter ? current : undefined;
  }

  /** Writable targets that lost the election, and why nobody won when nobody did. */
  get fencing(): { fenced: readonly string[]; undecided?: string } {
    return this.election;
  }

  /** Replicas fit to serve reads: reachable, in recovery, lag within budget. */
  readableReplicas(): PgTarget[] {
    // Asked on every routed connection: answer without allocating when there is no replica at all.
    if (this.targets.length < 2) return NONE;
    return this.targets.filter(
      (t) => t.status.reachable && t.status.role === 'replica' && t.status.lagMs <= this.maxReplicaLagMs,
    );
  }

  /** Re-elects the writer after any status change; tells the listeners. */
  refresh(): void {
    const before = this.election;
    // The memory is per cluster: the one that answered, known by the system identifier its targets share.
    const systems = new Set(
      this.targets.filter((t) => t.status.reachable && t.status.systemId).map((t) => t.status.systemId),
    );
    const systemId = systems.size === 1 ? [...systems][0] : undefined;
    const known = systemId ? this.memory.highestTimeline(systemId) : 0;
    const next = electWriter(
      this.targets.map((t) => ({ name: t.name, ...t.status })),
      known,
    );
    this.election = next;
    if (systemId && next.timeline > known) this.memory.rememberTimeline(systemId, next.timeline);
    if (next.writer && next.writer !== before.writer) {
      this.logger.warn(
        `writer is now ${next.writer} (timeline ${next.timeline})${before.writer ? `, was ${before.writer}` : ''}`,
      );
    }
    const fenced = next.fenced.filter((name) => !before.fenced.includes(name));
    if (fenced.length > 0)
      this.logger.error(
        `split brain: ${fenced.join(' and ')} accept writes but lose to timeline ${next.timeline}: fenced, never written to`,
      );
    if (next.undecided && next.undecided !== before.undecided)
      this.logger.error(`no writer: ${next.undecided}; writes go to the journal`);
    this.warnIfAsynchronous();
    this.listeners.emit();
  }

  /**
   * With replicas to fail over to, a writer that acknowledges commits before a standby has them can
   * take the last acknowledged writes with it when it dies and a replica is promoted.
   */
  private warnIfAsynchronous(): void {
    const writer = this.writer;
    if (!writer || this.targets.length < 2 || writer.status.synchronousCommit !== false) return;
    if (this.warnedAsynchronous === writer.name) return;
    this.warnedAsynchronous = writer.name;
    this.logger.warn(
      `${writer.name} commits asynchronously (synchronous_standby_names is empty or synchronous_commit is off): ` +
        'writes it acknowledged just before it dies can be missing on the replica promoted after it; ' +
        'see docs/database.md, "Durability across a failover"',
    );
  }

  private async loop(target: PgTarget): Promise<void> {
    if (this.stopped) return;
    const wasUp = target.status.reachable;
    const wasRole = target.status.role;
    await target.probe();
    if (target.status.reachable !== wasUp || target.status.role !== wasRole) {
      this.logger.log(
        `${target.name}: ${target.status.reachable ? `up (${target.status.role})` : `down (${target.status.lastError})`}`,
      );
    }
    this.refresh();
    if (this.stopped) return;
    const timer = setTimeout(() => void this.loop(target), target.nextProbeDelay(this.intervalMs));
    timer.unref();
    this.timers.set(target.name, timer);
  }
}
