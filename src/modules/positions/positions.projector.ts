import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, EventHandler } from '../../core/events/index.js';
import type { Order } from '../orders/index.js';

// One statement on both stores: Postgres and SQLite share the upsert syntax, not the placeholders.
const upsert = (sqlite: boolean) => {
  const p = sqlite ? ['?', '?', '?', '?', '?'] : ['$1', '$2', '$3', '$4', '$5'];
  return `INSERT INTO order_positions (owner, symbol, open_buy, open_sell, open_orders)
    VALUES (${p.join(', ')})
    ON CONFLICT (owner, symbol) DO UPDATE SET
      open_buy = order_positions.open_buy + excluded.open_buy,
      open_sell = order_positions.open_sell + excluded.open_sell,
      open_orders = order_positions.open_orders + excluded.open_orders`;
};

/**
 * The example consumer: open exposure per owner and symbol, from `order.created` (adds) and
 * `order.cancelled` (takes away). `order.rejected` changes nothing here: a refused create was
 * never added (it had no `order.created`), and a refused cancel took nothing away.
 */
@Injectable()
export class PositionsProjector implements EventHandler {
  async handle(manager: EntityManager, event: EventEnvelope): Promise<void> {
    const sign = event.type === 'order.created' ? 1 : event.type === 'order.cancelled' ? -1 : 0;
    if (sign === 0) return;
    const order = event.data.order as Order;
    const sqlite = manager.connection.driver.options.type === 'better-sqlite3';
    const buy = order.side === 'buy' ? order.quantity * sign : 0;
    const sell = order.side === 'sell' ? order.quantity * sign : 0;
    await manager.query(upsert(sqlite), [order.owner, order.symbol, buy, sell, sign]);
  }
}
