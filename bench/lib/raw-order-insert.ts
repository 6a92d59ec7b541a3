/** The raw equivalent of the create-order command: the one statement the bare baselines send on `pg`. */
export const RAW_ORDER_INSERT = `INSERT INTO orders (id, client_order_id, symbol, side, type, quantity, limit_price, status, created_at, owner)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'new', $8, $9) ON CONFLICT (owner, client_order_id) DO NOTHING RETURNING *`;

export interface RawOrder {
  id: string;
  clientOrderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  limitPrice: number | null;
  createdAt: string;
  owner: string;
}

/** The parameters of RAW_ORDER_INSERT, in order. */
export const rawOrderValues = (o: RawOrder): unknown[] => [
  o.id,
  o.clientOrderId,
  o.symbol,
  o.side,
  o.type,
  o.quantity,
  o.limitPrice,
  o.createdAt,
  o.owner,
];
