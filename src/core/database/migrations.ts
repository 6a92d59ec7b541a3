import type pg from 'pg';
import type { Migration, SqliteDatabase } from './database.types.js';
import { withClient } from './postgres/with-client.js';

const byId = (a: Migration, b: Migration): number => a.id.localeCompare(b.id);

/** Applies, in id order, the SQLite part of every migration not yet applied; returns the ids applied. */
export function migrateSqlite(db: SqliteDatabase, migrations: readonly Migration[]): string[] {
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: string }>).map((r) => r.id));
  const done: string[] = [];
  for (const migration of [...migrations].sort(byId)) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      if (migration.sqlite) db.exec(migration.sqlite);
      db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, new Date().toISOString());
    })();
    done.push(migration.id);
  }
  return done;
}

// One instance migrates at a time: others wait on the lock, then find nothing left to do.
const LOCK_KEY = 7_421_977;

/** The Postgres counterpart, each migration in its own transaction, under an advisory lock. */
export function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<string[]> {
  return withClient(pool, async (client) => {
    const done: string[] = [];
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.id));
      for (const migration of [...migrations].sort(byId)) {
        if (applied.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          if (migration.postgres) await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        done.push(migration.id);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    }
    return done;
  });
}
