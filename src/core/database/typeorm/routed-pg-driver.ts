import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { poolSideError } from '../postgres/pool-busy.js';
import type { PgTarget } from '../postgres/pg-target.js';
import type { Route, TargetRouter } from './target-router.js';

/** The connection strings the DataSource is configured with: they name a route, not a server. */
export const ROUTE_URLS: Record<Route, string> = {
  writer: 'postgres://routed/writer',
  reader: 'postgres://routed/reader',
};

/** What insertIfAbsent's grouped inserts need of a routed pool: where a connection goes, and pinning one there. */
export interface RoutedPoolView {
  /** Where a connection taken now would go (the caller's pinned target, else the router's pick), or a NoTargetError. */
  target(): PgTarget;
  /** Runs `fn` with every connection it takes going to `target`. */
  pin<T>(target: PgTarget, fn: () => Promise<T>): Promise<T>;
}

const ROUTED = Symbol('routed pool');

/** The DataSource's writer pool when it is routed (Postgres), else undefined (SQLite). */
export function routedWriterPool(driver: unknown): RoutedPoolView | undefined {
  const master = (driver as { master?: { [ROUTED]?: true } }).master;
  return master?.[ROUTED] ? (master as unknown as RoutedPoolView) : undefined;
}

type ConnectCallback = (
  error: Error | undefined,
  client?: pg.PoolClient,
  release?: (error?: Error | boolean) => void,
) => void;

// TypeORM's initialisation checks each pool with one connect/release and reads nothing from it
// (version, database and schema are given up front, extensions are not installed). Handing it this
// client lets the DataSource initialise at boot with every Postgres down, without touching a server.
const BOOT_CLIENT = {
  on: () => BOOT_CLIENT,
  query: () => Promise.reject(new Error('the boot-time placeholder connection cannot run queries')),
} as unknown as pg.PoolClient;

/**
 * A `pg`-shaped module for TypeORM's `driver` option. Its pools own no connections: each
 * `connect()` is handed to the pool of the target the router picks at that moment, so the
 * DataSource follows a failover or a promotion without re-initialisation. The targets' pools
 * keep their timeouts and error listeners; ending a routed pool ends nothing.
 */
export function routedPgDriver(router: TargetRouter, real: typeof pg): typeof pg & { booting: boolean } {
  const module = { ...real, booting: true } as typeof pg & { booting: boolean };

  class RoutedPool extends EventEmitter implements RoutedPoolView {
    readonly [ROUTED] = true;
    private readonly route: Route;

    constructor(options: { connectionString?: string }) {
      super();
      this.route = options.connectionString === ROUTE_URLS.writer ? 'writer' : 'reader';
    }

    connect(callback: ConnectCallback): void {
      if (module.booting) return callback(undefined, BOOT_CLIENT, () => undefined);
      let target: PgTarget;
      try {
        target = router.target(this.route);
      } catch (error) {
        return callback(error as Error);
      }
      // A client the pool could not hand out (its queue, or no slot to grow while its own
      // connections work) is a PoolBusyError: never taken for the target failing.
      const pool = target.pool;
      pool.connect((error, client, release) => {
        if (error) return callback(poolSideError(target.name, pool, error));
        callback(undefined, client, release);
      });
    }

    target(): PgTarget {
      return router.target(this.route);
    }

    pin<T>(target: PgTarget, fn: () => Promise<T>): Promise<T> {
      return router.on(target, fn);
    }

    end(callback?: (error?: Error) => void): Promise<void> {
      callback?.();
      return Promise.resolve();
    }
  }

  (module as unknown as { Pool: unknown }).Pool = RoutedPool;
  return module;
}
