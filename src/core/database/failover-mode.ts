import { Listeners } from '../common/index.js';
import type { DatabaseMode } from './database.types.js';

export interface ModeInputs {
  hasPostgres: boolean;
  writer: boolean;
  readableReplica: boolean;
  backlog: number;
}

/**
 * embedded: no Postgres configured, SQLite is the database.
 * normal: a writer takes writes directly; replaying: a writer is back and the journal drains into it
 * (new writes queue behind); replica-read-only: no writer, a replica serves reads, writes are
 * journaled; fallback: no Postgres at all, writes journaled, reads only what SQLite knows.
 */
export function deriveMode(inputs: ModeInputs): DatabaseMode {
  if (!inputs.hasPostgres) return 'embedded';
  if (inputs.writer) return inputs.backlog > 0 ? 'replaying' : 'normal';
  return inputs.readableReplica ? 'replica-read-only' : 'fallback';
}

export interface ModeChange {
  from: DatabaseMode;
  to: DatabaseMode;
  at: number;
}

/** The current mode and since when; listeners hear each change once. A plain class with an injected clock. */
export class FailoverMode {
  private mode: DatabaseMode;
  private changedAt: number;
  private readonly listeners = new Listeners<ModeChange>();

  constructor(
    initial: DatabaseMode,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = initial;
    this.changedAt = now();
  }

  get current(): DatabaseMode {
    return this.mode;
  }

  get since(): number {
    return this.changedAt;
  }

  /** Moves to the mode `inputs` call for; returns the change, if any. */
  update(inputs: ModeInputs): ModeChange | undefined {
    const next = deriveMode(inputs);
    if (next === this.mode) return undefined;
    const change = { from: this.mode, to: next, at: this.now() };
    this.mode = next;
    this.changedAt = change.at;
    this.listeners.emit(change);
    return change;
  }

  onChange(listener: (change: ModeChange) => void): () => void {
    return this.listeners.add(listener);
  }
}
