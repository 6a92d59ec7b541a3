import { Logger } from '@nestjs/common';
import { Listeners } from '../common/index.js';
import type { HealthStatus } from './health.types.js';

export interface StatusChange {
  component: string;
  /** undefined on the first observation. */
  from: HealthStatus | undefined;
  to: HealthStatus;
  /** Why, when the indicator said (e.g. "timeout"). */
  reason?: string;
  at: Date;
}

export type StatusListener = (change: StatusChange) => void;

const RANK: Record<HealthStatus, number> = { up: 2, degraded: 1, down: 0 };

/**
 * Remembers each component's last status and reports changes only: one log line and one
 * call of every listener per change, however often the component is checked. The basis for alerting.
 */
export class ComponentStatusTracker {
  private readonly last = new Map<string, HealthStatus>();
  private readonly logger = new Logger('Health');
  private readonly listeners = new Listeners<StatusChange>((error) =>
    this.logger.error('a status listener failed', error instanceof Error ? error.stack : String(error)),
  );

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Calls `listener` on every status change; returns a function that removes it. */
  onChange(listener: StatusListener): () => void {
    return this.listeners.add(listener);
  }

  update(component: string, to: HealthStatus, reason?: string): void {
    const from = this.last.get(component);
    if (from === to) return;
    this.last.set(component, to);
    const change: StatusChange = { component, from, to, reason, at: this.now() };
    const text = `${component}: ${from ?? 'unknown'} -> ${to}${reason ? ` (${reason})` : ''}`;
    // A component first seen up is the normal case: listeners hear of it, the log does not.
    if (from === undefined && to === 'up') this.logger.debug(text);
    else if (from !== undefined && RANK[to] > RANK[from]) this.logger.log(text);
    else this.logger.warn(text);
    this.listeners.emit(change);
  }
}
