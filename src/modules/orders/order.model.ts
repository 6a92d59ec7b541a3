import { hash } from 'node:crypto';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';
/** `accepted`: journaled while Postgres had no writer, not yet stored there; `new`: stored; `cancelled`. */
export type OrderStatus = 'accepted' | 'new' | 'cancelled';

export interface Order {
  id: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: number;
  limitPrice: number | null;
  status: OrderStatus;
  createdAt: string;
  /** The subject (`sub`) that created it; `anonymous` with AUTH_MODE=none. */
  owner: string;
}

/** What the journal holds for an order: everything but the status, which the store decides. */
export type NewOrder = Omit<Order, 'status'>;

/**
 * The order id follows from the owner and the clientOrderId, the idempotency key (keys are scoped
 * per owner, as FIX scopes ClOrdID per session), so a retried request, or a journaled one replayed
 * after a crash, names the same order: no second id can be acknowledged for one key, and two owners
 * using the same clientOrderId name two orders. (Rows stored before the key was per owner keep
 * the id they were given; they are found by the key.)
 */
export function orderIdFor(clientOrderId: string, owner = 'anonymous'): string {
  // JSON keeps the two parts apart whatever characters either holds.
  const h = hash('sha256', `order:${JSON.stringify([owner, clientOrderId])}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Same logical order: what the client asked for, ignoring when and how it was stored. */
export function sameOrder(a: NewOrder, b: NewOrder): boolean {
  return (
    a.owner === b.owner &&
    a.clientOrderId === b.clientOrderId &&
    a.symbol === b.symbol &&
    a.side === b.side &&
    a.type === b.type &&
    a.quantity === b.quantity &&
    a.limitPrice === b.limitPrice
  );
}
