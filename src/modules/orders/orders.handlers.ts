import { type CommandHandler, JournalRejection, type Queryable, type SqliteDatabase } from '../../core/database/index.js';
import { fromRow, type NewOrder, type Order, type OrderRow, sameOrder } from './order.model.js';

export const CREATE_ORDER = 'order.create';

export interface CreateOutcome {
  order: Order;
  /** False when the clientOrderId was already known: the existing order is returned. */
  created: boolean;
}

const INSERT_PG = `INSERT INTO orders (id, client_order_id, symbol, side, type, quantity, limit_price, status, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'new', $8) ON CONFLICT (client_order_id) DO NOTHING RETURNING *`;
const INSERT_SQLITE = `INSERT INTO orders (id, client_order_id, symbol, side, type, quantity, limit_price, status, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?) ON CONFLICT (client_order_id) DO NOTHING RETURNING *`;

const values = (o: NewOrder) => [o.id, o.clientOrderId, o.symbol, o.side, o.type, o.quantity, o.limitPrice, o.createdAt];

/** A repeated key is the same order again (answered with the stored one) or a conflicting reuse (refused). */
function resolveExisting(existing: Order, wanted: NewOrder): CreateOutcome {
  if (!sameOrder(existing, wanted)) {
    throw new JournalRejection(`clientOrderId ${wanted.clientOrderId} is already used by order ${existing.id} with different terms`);
  }
  return { order: existing, created: false };
}

/** Creating an order, idempotent on clientOrderId in both stores. */
export const createOrderHandler: CommandHandler<NewOrder, CreateOutcome> = {
  type: CREATE_ORDER,

  async postgres(db: Queryable, o: NewOrder): Promise<CreateOutcome> {
    const inserted = await db.query<OrderRow>(INSERT_PG, values(o));
    if (inserted.rows[0]) return { order: fromRow(inserted.rows[0]), created: true };
    const existing = await db.query<OrderRow>('SELECT * FROM orders WHERE client_order_id = $1', [o.clientOrderId]);
    return resolveExisting(fromRow(existing.rows[0]), o);
  },

  embedded(db: SqliteDatabase, o: NewOrder): CreateOutcome {
    const inserted = db.prepare(INSERT_SQLITE).get(...values(o)) as OrderRow | undefined;
    if (inserted) return { order: fromRow(inserted), created: true };
    const existing = db.prepare('SELECT * FROM orders WHERE client_order_id = ?').get(o.clientOrderId) as OrderRow;
    return resolveExisting(fromRow(existing), o);
  },

  journaled(o: NewOrder): CreateOutcome {
    return { order: { ...o, status: 'accepted' }, created: true };
  },
};

export const CANCEL_ORDER = 'order.cancel';

export interface CancelOrder {
  id: string;
  /** The order as it stood when the cancel was asked, so a journaled cancel can answer reads. */
  before: Order;
}

export interface CancelOutcome {
  /** The order after the cancel; absent when journaled (not yet applied). */
  order?: Order;
  /** False when it was already cancelled. */
  changed: boolean;
}

/** Cancelling an order: idempotent (cancelling a cancelled order changes nothing); an unknown order is refused. */
export const cancelOrderHandler: CommandHandler<CancelOrder, CancelOutcome> = {
  type: CANCEL_ORDER,

  async postgres(db: Queryable, { id }: CancelOrder): Promise<CancelOutcome> {
    const updated = await db.query<OrderRow>("UPDATE orders SET status = 'cancelled' WHERE id = $1 AND status <> 'cancelled' RETURNING *", [id]);
    if (updated.rows[0]) return { order: fromRow(updated.rows[0]), changed: true };
    const existing = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
    if (!existing.rows[0]) throw new JournalRejection(`cannot cancel order ${id}: no such order`);
    return { order: fromRow(existing.rows[0]), changed: false };
  },

  embedded(db: SqliteDatabase, { id }: CancelOrder): CancelOutcome {
    const updated = db.prepare("UPDATE orders SET status = 'cancelled' WHERE id = ? AND status <> 'cancelled' RETURNING *").get(id) as OrderRow | undefined;
    if (updated) return { order: fromRow(updated), changed: true };
    const existing = db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as OrderRow | undefined;
    if (!existing) throw new JournalRejection(`cannot cancel order ${id}: no such order`);
    return { order: fromRow(existing), changed: false };
  },

  journaled(): CancelOutcome {
    return { changed: true };
  },
};
