import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { createClient } from '@redis/client';
import { RAW_ORDER_INSERT, rawOrderValues } from '../lib/raw-order-insert.js';

// The bare equivalents of the order path, each the least that does the same job:
//   pg <port> <url> <pool>      POST /orders: INSERT ... ON CONFLICT DO NOTHING RETURNING * on pg.Pool
//   journal <port> <file>       POST /orders: better-sqlite3 insert, WAL, synchronous=FULL, group commit
//   redis <port> <url> <key>    GET /orders/:id: one GET on the raw node-redis client
const [mode, port, ...rest] = process.argv.slice(2);
const app = Fastify({ logger: false });
app.get('/health/live', async () => ({ status: 'ok' }));

interface OrderBody {
  clientOrderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  limitPrice: number;
}
const idFor = (key: string) => createHash('sha256').update(`order:${key}`).digest('hex').slice(0, 36);

if (mode === 'pg') {
  const pool = new pg.Pool({ connectionString: rest[0], max: Number(rest[1]) });
  app.post('/orders', async (request, reply) => {
    const o = request.body as OrderBody;
    const { rows } = await pool.query(
      RAW_ORDER_INSERT,
      rawOrderValues({ ...o, id: idFor(o.clientOrderId), createdAt: new Date().toISOString(), owner: 'anonymous' }),
    );
    return reply.status(201).send(rows[0]);
  });
} else if (mode === 'journal') {
  const db = new Database(rest[0]);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, payload TEXT NOT NULL, accepted_at TEXT NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO journal (key, payload, accepted_at) VALUES (?, ?, ?)');
  let pending: Array<{ body: OrderBody; done: () => void }> = [];
  const flush = db.transaction((batch: typeof pending) => {
    for (const { body } of batch) insert.run(body.clientOrderId, JSON.stringify(body), new Date().toISOString());
  });
  app.post('/orders', (request, reply) => {
    if (pending.length === 0) {
      setImmediate(() => {
        const batch = pending;
        pending = [];
        flush(batch);
        for (const p of batch) p.done();
      });
    }
    const body = request.body as OrderBody;
    pending.push({ body, done: () => void reply.status(201).send({ ...body, status: 'accepted' }) });
  });
} else if (mode === 'redis') {
  const client = createClient({ url: rest[0] });
  await client.connect();
  const key = rest[1];
  app.get('/orders/:id', async (_request, reply) => reply.type('application/json').send(await client.get(key)));
} else {
  throw new Error(`unknown mode ${mode}`);
}
await app.listen({ port: Number(port), host: '127.0.0.1' });
