import type { EntityManager } from 'typeorm';
import { type CommandHandler, insertIfAbsent, JournalRejection } from '../../core/database/index.js';
import { OrderEntity, toOrder } from './order.entity.js';
import { type NewOrder, type Order, sameOrder } from './order.model.js';

export const CREATE_ORDER = 'order.create';

export interface CreateOutcome {
  order: Order;
  /** False when the clientOrderId was already known: the existing order is returned. */
  created: boolean;
}

/** A repeated key is the same order again (answered with the stored one) or a conflicting reuse (refused). */
function resolveExisting(existing: Order, wanted: NewOrder): CreateOutcome {
  if (!sameOrder(existing, wanted)) {
    // Another subject's order is not named: its id would tell a stranger that it exists.
    const by = existing.owner === wanted.owner ? `by order ${existing.id} ` : '';
    throw new JournalRejection(`clientOrderId ${wanted.clientOrderId} is already used ${by}with different terms`);
  }
  return { order: existing, created: false };
}

/** Creating an order, idempotent on clientOrderId; one statement for Postgres and SQLite. */
export const createOrderHandler: CommandHandler<NewOrder, CreateOutcome> = {
  type: CREATE_ORDER,
  // One INSERT writes; the read on a conflict only answers. No BEGIN/COMMIT round trips needed.
  transactional: false,

  async apply(manager: EntityManager, o: NewOrder): Promise<CreateOutcome> {
    const order: Order = { ...o, status: 'new' };
    if (await insertIfAbsent(manager, OrderEntity, order)) return { order, created: true };
    const existing = await manager.findOneByOrFail(OrderEntity, { clientOrderId: o.clientOrderId });
    return resolveExisting(toOrder(existing), o);
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

  async apply(manager: EntityManager, { id }: CancelOrder): Promise<CancelOutcome> {
    const updated = await manager
      .createQueryBuilder()
      .update(OrderEntity)
      .set({ status: 'cancelled' })
      .where('id = :id AND status <> :cancelled', { id, cancelled: 'cancelled' })
      .execute();
    const order = await manager.findOneBy(OrderEntity, { id });
    if (!order) throw new JournalRejection(`cannot cancel order ${id}: no such order`);
    return { order: toOrder(order), changed: updated.affected === 1 };
  },

  journaled(): CancelOutcome {
    return { changed: true };
  },
};
