import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { AppError, ErrorCode } from '../../common/index.js';
import type { PgTarget } from '../postgres/pg-target.js';

export type Route = 'writer' | 'reader';

/** No Postgres can serve this route now: a 503 with Retry-After, and a target failure to the failover logic. */
export class NoTargetError extends AppError {
  constructor(route: Route, retryAfterSeconds: number) {
    super(ErrorCode.DEPENDENCY_UNAVAILABLE, `no Postgres ${route === 'writer' ? 'writer' : 'target'} is available`, {
      retryAfterSeconds,
    });
    this.name = 'NoTargetError';
  }
}

export interface RouterSources {
  /** The current writer, once its schema is up to date. */
  writer(): PgTarget | undefined;
  /** Replicas within the lag budget. */
  readableReplicas(): PgTarget[];
  retryAfterSeconds: number;
}

/**
 * Decides which target's pool serves a TypeORM connection: writes and transactions go to the
 * writer; reads outside a transaction go to a replica within the lag budget, else to the writer.
 * `on(target, fn)` pins every connection taken inside `fn` to one target: DatabaseService uses
 * it to walk its candidates, a replica first and then the writer.
 */
export class TargetRouter {
  private readonly pinned = new AsyncLocalStorage<PgTarget>();

  constructor(private readonly sources: RouterSources) {}

  on<T>(target: PgTarget, fn: () => Promise<T>): Promise<T> {
    return this.pinned.run(target, fn);
  }

  /** The pool for `route`, or a NoTargetError. */
  pool(route: Route): pg.Pool {
    return this.target(route).pool;
  }

  /** The target that serves `route` now, or a NoTargetError. */
  target(route: Route): PgTarget {
    const target = this.pinned.getStore() ?? this.pick(route);
    if (!target) throw new NoTargetError(route, this.sources.retryAfterSeconds);
    return target;
  }

  private pick(route: Route): PgTarget | undefined {
    if (route === 'reader') {
      const replicas = this.sources.readableReplicas();
      if (replicas.length > 0) return replicas[Math.floor(Math.random() * replicas.length)];
    }
    return this.sources.writer();
  }
}
