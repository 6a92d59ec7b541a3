import type { Migration } from '../../core/database/index.js';

export const ORDERS_MIGRATIONS: Migration[] = [
  {
    id: '0001-orders',
    postgres: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        client_order_id text NOT NULL UNIQUE,
        symbol text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        type text NOT NULL CHECK (type IN ('market', 'limit')),
        quantity numeric NOT NULL CHECK (quantity > 0),
        limit_price numeric CHECK (limit_price > 0),
        status text NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
      CREATE INDEX orders_symbol_created ON orders (symbol, created_at DESC, id DESC);`,
    sqlite: `
      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        client_order_id TEXT NOT NULL UNIQUE,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type TEXT NOT NULL CHECK (type IN ('market', 'limit')),
        quantity REAL NOT NULL CHECK (quantity > 0),
        limit_price REAL CHECK (limit_price > 0),
        status TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
      CREATE INDEX orders_symbol_created ON orders (symbol, created_at DESC, id DESC);`,
  },
];
