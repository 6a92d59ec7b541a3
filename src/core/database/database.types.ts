import type { EntityManager } from 'typeorm';

/** Where a command belongs: its idempotency key and the entity it creates or changes. */
export interface WriteOptions {
  /** Unique per logical write (e.g. a caller and the idempotency key it chose). */
  key: string;
  /** The id of the entity the command creates or changes, so the journal can answer reads for it. */
  entityId: string;
}

/**
 * A write the database can journal and replay, named by its type (the name the journal keeps):
 * plain data, an idempotency key, the entity it is about.
 */
export interface WriteCommand<P = unknown> extends WriteOptions {
  type: string;
  payload: P;
  /** With tracing on: the W3C traceparent of the command's span, kept with a journaled entry. */
  traceparent?: string;
}

/**
 * How one command type is applied, written once for Postgres and SQLite with TypeORM.
 * `apply` runs inside a transaction (directly on the writer when `transactional: false`; always on
 * replay) and must be idempotent on the command key (a unique constraint with `insertIfAbsent()`,
 * or a conditional update): a journaled command may be applied again after a crash. Throw
 * JournalRejection for a command the database must refuse.
 */
export interface CommandHandler<P = unknown, R = unknown> {
  /** The stable name the journal keeps for each entry of this command (e.g. `position.open`). */
  type: string;
  /**
   * `events` writes the events of the change in the same transaction (`events.emit`), or in the
   * insert's own statement (`insertIfAbsent(..., events.onInsert(...))`, the only way for a handler
   * with `transactional: false`); it does nothing in an app without EventsModule. A journaled
   * command emits when the replay applies it, never before.
   */
  apply(manager: EntityManager, payload: P, events: CommandEvents): Promise<R>;
  /**
   * `false` runs a direct write without BEGIN/COMMIT: only for a handler whose one write is a
   * single statement (atomic by itself), to save two round trips. The replay always runs it
   * inside its batch transaction. Default true.
   */
  transactional?: boolean;
  /** The answer for a command accepted into the journal, not yet in Postgres. */
  journaled(payload: P): R;
  /**
   * While journaling, the answer for a command whose entity already has an entry of this type in
   * the journal (`earlier`: its payload): the same write again (answer as Postgres would, nothing
   * is journaled) or a conflicting one (throw JournalRejection: refused at once, as Postgres would
   * refuse it). Without it, every command is journaled.
   */
  repeated?(earlier: P, payload: P): R;
  /**
   * While journaling with a readable replica, the answer from what the replica already holds for
   * this command (a key stored before the outage: the same write again, or JournalRejection for a
   * conflicting one), or undefined when it holds nothing: the command is then journaled. Reads only.
   */
  stored?(manager: EntityManager, payload: P): Promise<R | undefined>;
  /**
   * The events that tell consumers a command acknowledged from the journal was refused on replay
   * (a dead letter), written to the outbox when the replay gives it up.
   */
  rejected?(payload: P, reason: string): readonly EventDraft[];
}

/** One event a command emits: its stream (the unit of ordering), its type and its body. */
export interface EventDraft {
  /** Events of one stream are numbered 1, 2, 3... in commit order, with no gaps. */
  stream: string;
  type: string;
  data: Record<string, unknown>;
}

/** The command an applied handler's events came from: their ids derive from it. */
export interface AppliedCommand {
  type: string;
  key: string;
  entityId: string;
  /** With tracing on: the W3C traceparent of the span that asked for the command (on replay, the journaling one). */
  traceparent?: string;
}

/** What a handler's `apply` emits events with. */
export interface CommandEvents {
  /** Writes `events` in the command's transaction (a handler that runs in one). */
  emit(...events: EventDraft[]): Promise<void>;
  /** For `insertIfAbsent`: `events` are written only if the row is inserted, atomically with it. */
  onInsert(...events: EventDraft[]): InsertEvents | undefined;
}

/** Events bound to an insert (see CommandEvents.onInsert). */
export interface InsertEvents {
  readonly sink: CommandEventSink;
  readonly command: AppliedCommand;
  readonly events: readonly EventDraft[];
}

/** An INSERT statement with its parameters. */
export interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * Where a command's events go, in the command's own transaction: the outbox, when an app
 * module provides one (EventsModule). At most one per app.
 */
export abstract class CommandEventSink {
  abstract record(manager: EntityManager, command: AppliedCommand, events: readonly EventDraft[]): Promise<void>;
  /**
   * One statement that runs `insert` (an INSERT ... ON CONFLICT DO NOTHING) and writes `events`
   * only if it inserted, answering one row with `inserted` (0 or 1); undefined where the store
   * cannot (SQLite: then the insert and `record` run in one transaction).
   */
  abstract fuse(insert: Statement, command: AppliedCommand, events: readonly EventDraft[]): Statement | undefined;

  /**
   * For a grouped insert of many rows (one statement, see insertIfAbsent): CTEs that follow a
   * `done(n)` CTE (the 1-based numbers of the rows the insert wrote) and write, for those rows
   * only, one event each, with what they need as one parameter at `$<parameterIndex>`. Each
   * row's event is on a stream of its own in the group. A sink that does overrides `fusesGroups`
   * too; otherwise rows with events are inserted one statement each, through `fuse`.
   */
  fuseGroup(_rows: readonly GroupedEvent[], _parameterIndex: number): GroupedEvents | undefined {
    return undefined;
  }

  /** True when `fuseGroup` writes events (a sink that keeps the default inserts their rows one statement each). */
  get fusesGroups(): boolean {
    return false;
  }
}

/** One row's event in a grouped insert: the row's 1-based number in the group. */
export interface GroupedEvent {
  n: number;
  command: AppliedCommand;
  event: EventDraft;
}

/** The CTEs (each preceded by a comma) and their one parameter. */
export interface GroupedEvents {
  ctes: string;
  parameter: unknown;
}

export interface WriteResult<R> {
  result: R;
  /** True when the command went to the journal (Postgres had no writer): it will be replayed. */
  journaled: boolean;
}

/** A journaled command, as the journal holds it. */
export interface JournalEntry<P = unknown> {
  seq: number;
  type: string;
  key: string;
  entityId: string;
  payload: P;
  acceptedAt: string;
  /** Failed replays, for a reason neither an outage nor a refusal (a dead letter at DB_REPLAY_MAX_ATTEMPTS). */
  attempts: number;
  lastError?: string;
  /** The traceparent of the request's command span that journaled it (tracing on): its replay links to it. */
  traceparent?: string;
}

export interface ReadSpec<R> {
  /** The read itself, on whichever target the database picked (Postgres or SQLite). */
  run(manager: EntityManager): Promise<R | undefined>;
  /** Answers from what only the journal knows, while Postgres has no writer. */
  journal?(entries: JournalLookup): R | undefined;
  /**
   * `single`: a miss on a replica is confirmed on the writer, and a miss that no writer can
   * confirm is unknown (503), never a false 404. `list`: any target's answer is an answer.
   */
  kind: 'single' | 'list';
  /** `strong` reads go to the writer only. */
  consistency?: 'eventual' | 'strong';
}

export interface JournalLookup {
  byEntity(type: string, entityId: string): JournalEntry | undefined;
}

export type DatabaseMode = 'embedded' | 'normal' | 'replica-read-only' | 'fallback' | 'replaying';

export type TargetRole = 'writer' | 'replica' | 'unknown';

/** What health, metrics and the CLI may know of one Postgres target. */
export interface TargetView {
  name: string;
  reachable: boolean;
  role: TargetRole;
  /** Accepts writes but lost the writer election (an old primary): never written to. */
  fenced: boolean;
  lagMs: number;
  latencyMs: number;
  timeline: number;
  /**
   * A writer's commits: `synchronous` when they wait for a standby, so an acknowledged write
   * survives the writer's loss; `asynchronous` when a failover can lose the last ones.
   */
  commits?: 'synchronous' | 'asynchronous';
  lastProbeAt?: number;
  lastError?: string;
  pool: { total: number; idle: number; waiting: number };
}

/** A read-only snapshot of the database layer. */
export interface DatabaseStatus {
  mode: DatabaseMode;
  /** When the mode last changed (epoch ms). */
  since: number;
  /** The target writes go to, once its schema is up to date. */
  writer?: string;
  /** Replicas fit to serve reads (reachable, within the lag budget). */
  readableReplicas: string[];
  /** Why no target is the writer although one accepts writes (split brain the rule cannot settle). */
  writerUndecided?: string;
  targets: TargetView[];
  backlog: number;
  deadLetters: number;
}
