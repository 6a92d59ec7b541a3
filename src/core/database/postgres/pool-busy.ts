import type pg from 'pg';
import { AppError, ErrorCode } from '../../common/index.js';

/**
 * Our own pool could not hand out a client, while the target's other clients work: the wait for a
 * free client timed out, or Postgres refused to let the pool grow (53300, slots exhausted) while
 * it holds working connections. Evidence about our load, never that the target is down: the
 * writer is judged by the probes and by errors on a live socket. Nothing was sent to Postgres on
 * the client that was not handed out, so the request is answered 503 with Retry-After.
 */
export class PoolBusyError extends AppError {
  constructor(
    readonly target: string,
    readonly reason: 'wait' | 'slots',
    cause: unknown,
  ) {
    super(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      reason === 'wait'
        ? `no free connection to ${target} in time (the pool is busy)`
        : `${target} has no connection slot left for the pool to grow (its held connections work)`,
      { retryAfterSeconds: 1, cause },
    );
    this.name = 'PoolBusyError';
  }
}

// pg-pool's message when a connect() waited in its queue for connectionTimeoutMillis: no server was asked.
const POOL_WAIT_MESSAGE = 'timeout exceeded when trying to connect';
// 53300 too_many_connections: "sorry, too many clients already", "remaining connection slots are reserved ...".
const TOO_MANY_CONNECTIONS = '53300';

/** Clients of `pool` with an open connection to the server (pg keeps the list private; totalCount else). */
function heldConnections(pool: pg.Pool): number {
  const clients = (pool as unknown as { _clients?: Array<{ _connected?: boolean; _ending?: boolean }> })._clients;
  if (!Array.isArray(clients)) return pool.totalCount;
  return clients.filter((c) => c._connected === true && c._ending !== true).length;
}

/**
 * `error` from `pool.connect()` as a PoolBusyError when the pool, not the target, is what failed;
 * else `error` itself (a refused, reset or timed-out connection attempt is the target's).
 */
export function poolSideError(target: string, pool: pg.Pool, error: Error): Error {
  if (error.message === POOL_WAIT_MESSAGE) return new PoolBusyError(target, 'wait', error);
  const code = (error as { code?: unknown }).code;
  if (code === TOO_MANY_CONNECTIONS && heldConnections(pool) > 0) return new PoolBusyError(target, 'slots', error);
  return error;
}
