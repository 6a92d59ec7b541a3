import pg from 'pg';
import { secretRedactor, withTimeout } from '../../common/index.js';
import type { TargetRole, TargetView } from '../database.types.js';
import { PoolBusyError, poolSideError } from './pool-busy.js';

export interface TargetOptions {
  name: string;
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  statementTimeoutMs: number;
  probeTimeoutMs: number;
  /** Most rows one grouped insert takes (see insertIfAbsent); 1 inserts each row on its own. */
  insertGroupRows: number;
}

export interface TargetStatus {
  reachable: boolean;
  role: TargetRole;
  /** Replay lag of a replica, ms (0 when it has replayed all it received). */
  lagMs: number;
  latencyMs: number;
  lastError?: string;
  lastProbeAt?: number;
  /** A writer's current WAL timeline; a replica's last restartpoint's (0 until probed). */
  timeline: number;
  /** The cluster it belongs to: a primary and its replicas share it. */
  systemId?: string;
  /**
   * A writer's commits wait for a standby (`synchronous_standby_names` set, `synchronous_commit`
   * on, remote_write or remote_apply): what it acknowledged survives its loss. Undefined for a replica.
   */
  synchronousCommit?: boolean;
  /** Consecutive failures, for the reconnect backoff. */
  failures: number;
}

// Lag that means something: zero when the replica has replayed all it received (an idle primary
// makes now() - pg_last_xact_replay_timestamp() grow without any lag), else the age of the last replay.
// A writer's timeline is read from its current WAL file name: pg_control_checkpoint() keeps the old
// timeline until the checkpoint that follows a promotion, which may be minutes later.
const PROBE_SQL = `SELECT pg_is_in_recovery() AS recovery,
  CASE WHEN NOT pg_is_in_recovery() THEN 0
       WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
       ELSE COALESCE(EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000, 0)
  END AS lag_ms,
  CASE WHEN pg_is_in_recovery() THEN (pg_control_checkpoint()).timeline_id
       ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
  END AS timeline,
  (pg_control_system()).system_identifier::text AS system_id,
  CASE WHEN pg_is_in_recovery() THEN NULL
       ELSE current_setting('synchronous_standby_names') <> ''
        AND current_setting('synchronous_commit') IN ('on', 'remote_write', 'remote_apply')
  END AS synchronous_commit`;

interface ProbeRow {
  recovery: boolean;
  lag_ms: string | number;
  timeline: number;
  system_id: string;
  synchronous_commit: boolean | null;
}

/** One Postgres server: its pool and what the last probe or query said of it. */
export class PgTarget {
  readonly pool: pg.Pool;
  readonly status: TargetStatus = {
    reachable: false,
    role: 'unknown',
    lagMs: 0,
    latencyMs: 0,
    timeline: 0,
    failures: 0,
  };

  constructor(
    readonly options: TargetOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      query_timeout: options.queryTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'trading-service-core',
    });
    // An idle client whose server dies emits 'error' on the pool: without a listener it would crash the process.
    this.pool.on('error', (error) => this.markDown(error));
  }

  get name(): string {
    return this.options.name;
  }

  get isWriter(): boolean {
    return this.status.reachable && this.status.role === 'writer';
  }

  /**
   * Asks the server its role and lag, bounded by the probe timeout; never throws. The client is
   * taken first (bounded by the pool's connect timeout) and the probe timeout runs on the live
   * connection only: a probe that waited in our own busy pool, or could not grow it for want of
   * slots while its connections work, learned nothing of the server and changes nothing.
   */
  async probe(): Promise<TargetStatus> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const cause = poolSideError(this.name, this.pool, error as Error);
      if (!(cause instanceof PoolBusyError)) this.markDown(cause);
      return this.status;
    }
    const started = performance.now();
    let failed: Error | undefined;
    // A checked-out client has no pool listener: a server that dies under the probe would emit an
    // unhandled 'error' and end the process.
    const onError = (error: Error): void => {
      failed ??= error;
    };
    client.on('error', onError);
    try {
      const result = await withTimeout(
        client.query<ProbeRow>(PROBE_SQL),
        this.options.probeTimeoutMs,
        `probe ${this.name}`,
      );
      const row = result.rows[0];
      Object.assign(this.status, {
        reachable: true,
        role: row.recovery ? 'replica' : 'writer',
        lagMs: Math.round(Number(row.lag_ms)),
        timeline: Number(row.timeline),
        systemId: row.system_id,
        synchronousCommit: row.synchronous_commit ?? undefined,
        latencyMs: Math.round(performance.now() - started),
        lastError: undefined,
        lastProbeAt: this.now(),
        failures: 0,
      });
    } catch (error) {
      failed = error as Error;
      this.markDown(error);
    } finally {
      client.off('error', onError);
      // A connection that failed or timed out its probe is not given back to the pool.
      client.release(failed ?? undefined);
    }
    return this.status;
  }

  /** Seen failing by a probe or a real query: out of rotation until a probe says otherwise. */
  markDown(error: unknown): void {
    this.status.reachable = false;
    this.status.failures += 1;
    this.status.lastProbeAt = this.now();
    this.status.lastError = secretRedactor.describe(error).slice(0, 200);
  }

  /** Delay before the next probe: the interval while healthy; exponential backoff with full jitter while down. */
  nextProbeDelay(intervalMs: number, maxBackoffMs = 10_000, random: () => number = Math.random): number {
    if (this.status.reachable || this.status.failures === 0) return intervalMs;
    const ceiling = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(this.status.failures - 1, 10));
    return Math.max(intervalMs / 4, Math.round(random() * ceiling));
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  view(fenced: boolean): TargetView {
    const { reachable, role, lagMs, latencyMs, timeline, lastProbeAt, lastError, synchronousCommit } = this.status;
    return {
      name: this.name,
      reachable,
      role,
      fenced,
      lagMs,
      latencyMs,
      timeline,
      ...(role === 'writer' && synchronousCommit !== undefined
        ? { commits: synchronousCommit ? ('synchronous' as const) : ('asynchronous' as const) }
        : {}),
      lastProbeAt,
      lastError,
      pool: this.poolStats(),
    };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
