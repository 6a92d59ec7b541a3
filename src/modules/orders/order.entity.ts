import { TICKER_MAX_LENGTH } from './ticker.js';
import { Check, Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { Order, OrderSide, OrderStatus, OrderType } from './order.model.js';

// Postgres returns numeric as a string (no float rounding on the way out); SQLite as a number.
const decimal: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** An order, declared once for Postgres and SQLite. */
@Entity({ name: 'orders' })
@Index('orders_created', ['createdAt', 'id'])
@Index('orders_symbol_created', ['symbol', 'createdAt', 'id'])
@Index('orders_owner_created', ['owner', 'createdAt', 'id'])
// The idempotency key is per owner: two owners may use the same clientOrderId.
@Index('orders_owner_client_order_id', ['owner', 'clientOrderId'], { unique: true })
@Check('orders_side', `"side" IN ('buy', 'sell')`)
@Check('orders_type', `"type" IN ('market', 'limit')`)
@Check('orders_quantity', `"quantity" > 0`)
@Check('orders_limit_price', `"limit_price" IS NULL OR "limit_price" > 0`)
export class OrderEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'client_order_id', type: 'varchar', length: 64 })
  clientOrderId: string;

  @Column({ type: 'varchar', length: TICKER_MAX_LENGTH })
  symbol: string;

  @Column({ type: 'varchar', length: 4 })
  side: OrderSide;

  @Column({ type: 'varchar', length: 6 })
  type: OrderType;

  @Column({ type: 'decimal', precision: 28, scale: 8, transformer: decimal })
  quantity: number;

  @Column({ name: 'limit_price', type: 'decimal', precision: 28, scale: 8, nullable: true, transformer: decimal })
  limitPrice: number | null;

  @Column({ type: 'varchar', length: 9 })
  status: OrderStatus;

  /** ISO-8601 UTC with milliseconds: sorts as it reads, the same text on both stores. */
  @Column({ name: 'created_at', type: 'varchar', length: 24 })
  createdAt: string;

  @Column({ type: 'varchar', length: 128, default: 'anonymous' })
  owner: string;
}

export function toOrder(entity: OrderEntity): Order {
  return {
    id: entity.id,
    clientOrderId: entity.clientOrderId,
    symbol: entity.symbol,
    side: entity.side,
    type: entity.type,
    quantity: entity.quantity,
    limitPrice: entity.limitPrice,
    status: entity.status,
    createdAt: entity.createdAt,
    owner: entity.owner,
  };
}
