import {
  AppError,
  CONNECTION_ERROR_CODES,
  ErrorCode,
  type ErrorTranslator,
  TIMEOUT_ERROR_CODES,
} from '../common/index.js';
import { PoolBusyError } from './postgres/pool-busy.js';
import { NoTargetError } from './typeorm/target-router.js';

/** A command Postgres must refuse on replay; the entry goes to the dead-letter table with this reason. */
export class JournalRejection extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JournalRejection';
  }
}

// 08: connection exception; 57P01-03: shutdown, crash, cannot connect now; 53300: too many connections;
// 25006: read-only transaction (the "writer" is in recovery now).
const CONNECTION_SQLSTATE = /^(08|57P0[123]|53300|25006)/;
const TIMEOUT_MESSAGES =
  /timeout|timed out|Connection terminated|Client has encountered a connection error|not queryable|Connection ended/i;

/**
 * True when the error says the target is unreachable or no longer what we thought, not that the
 * query was wrong. Our own pool's refusals (PoolBusyError: the wait for a free client, no slot to
 * grow while held connections work) are never the target's failure.
 */
export function isTargetFailure(error: unknown): boolean {
  if (error instanceof PoolBusyError) return false;
  if (error instanceof NoTargetError) return true;
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_ERROR_CODES.has(code) || TIMEOUT_ERROR_CODES.has(code) || CONNECTION_SQLSTATE.test(code)) return true;
  return typeof e.message === 'string' && TIMEOUT_MESSAGES.test(e.message);
}

/** 40001 serialization failure, 40P01 deadlock: another transaction won a race; the same work may simply run again. */
export function isContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * 23xxx integrity constraint violations (SQLITE_CONSTRAINT on SQLite), and our own rejections:
 * the command, not the target, is at fault. TypeORM's QueryFailedError carries the driver's code.
 */
export function isCommandRejection(error: unknown): boolean {
  if (error instanceof JournalRejection) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('23') || code.startsWith('SQLITE_CONSTRAINT'));
}

/**
 * What a team's plain repository call answers when the database fails it: a lost or frozen
 * Postgres is 503 with Retry-After (never a 500), a constraint violation is 409.
 */
export function translateDatabaseError(retryAfterSeconds: number): ErrorTranslator {
  return (error) => {
    if (error instanceof AppError) return undefined;
    if (isCommandRejection(error))
      return new AppError(ErrorCode.CONFLICT, 'the change conflicts with stored data', { cause: error });
    if (isTargetFailure(error)) {
      return new AppError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `the database cannot serve this now: ${(error as Error).message}`,
        { retryAfterSeconds, cause: error },
      );
    }
    return undefined;
  };
}
