import type { EntityManager } from 'typeorm';
import { type CommandEvents, defineCommand, insertIfAbsent, JournalRejection } from '../../core/database/index.js';
import { OrderEntity, toOrder } from './order.entity.js';
import { type NewOrder, type Order, sameOrder } from './order.model.js';

/** Each order is a stream: its events are numbered 1, 2... in the order they were committed. */
export const orderStream = (id: string): string => `order:${id}`;

/** The journal's name for the create command (stable: entries of it may wait in a journal). */
export const CREATE_ORDER = 'order.create';

export interface CreateOutcome {
  order: Order;
  /** False when the clientOrderId was already known: the existing order is returned. */
  created: boolean;
}

/**
 * A repeated key (keys are per owner, so `existing` is the caller's own order) is the same order
 * again (answered with the stored one) or a conflicting reuse (refused).
 */
function resolveExisting(existing: Order, wanted: NewOrder): CreateOutcome {
  if (!sameOrder(existing, wanted))
    throw new JournalRejection(
      `clientOrderId ${wanted.clientOrderId} is already used by order ${existing.id} with different terms`,
    );
  return { order: existing, created: false };
}

/** Creating an order, idempotent on (owner, clientOrderId); one statement for Postgres and SQLite. */
export const createOrder = defineCommand<NewOrder, CreateOutcome>({
  type: CREATE_ORDER,
  // One INSERT writes; the read on a conflict only answers. No BEGIN/COMMIT round trips needed.
  transactional: false,

  async apply(manager: EntityManager, o: NewOrder, events: CommandEvents): Promise<CreateOutcome> {
    const order: Order = { ...o, status: 'new' };
    // The event is written with the row, in its statement: a repeat of the key inserts neither.
    const created = events.onInsert({ stream: orderStream(o.id), type: 'order.created', data: { order } });
    if (await insertIfAbsent(manager, OrderEntity, order, created)) return { order, created: true };
    const existing = await manager.findOneBy(OrderEntity, { owner: o.owner, clientOrderId: o.clientOrderId });
    // Another unique key was hit (an id taken by a row stored before keys were per owner): refused, not a 500.
    if (!existing) throw new JournalRejection(`order ${o.id} already exists`);
    return resolveExisting(toOrder(existing), o);
  },

  journaled(o: NewOrder): CreateOutcome {
    return { order: { ...o, status: 'accepted' }, created: true };
  },

  // The key stored before the outage, as a replica knows it: the stored order, or 409 for other terms.
  async stored(manager: EntityManager, o: NewOrder): Promise<CreateOutcome | undefined> {
    const existing = await manager.findOneBy(OrderEntity, { owner: o.owner, clientOrderId: o.clientOrderId });
    return existing ? resolveExisting(toOrder(existing), o) : undefined;
  },

  // The same key already journaled: the journaled order, or 409 for other terms, as Postgres answers.
  repeated(earlier: NewOrder, o: NewOrder): CreateOutcome {
    return resolveExisting({ ...earlier, status: 'accepted' }, o);
  },

  // Acknowledged as `accepted` from the journal, refused on replay: the order never existed.
  rejected(o: NewOrder, reason: string) {
    return [
      {
        stream: orderStream(o.id),
        type: 'order.rejected',
        data: { command: CREATE_ORDER, order: { ...o, status: 'accepted' }, reason },
      },
    ];
  },
});

export const CANCEL_ORDER = 'order.cancel';

export interface CancelOrder {
  id: string;
  /**
   * The owner of the order the caller was allowed to cancel (its own, or any for an admin),
   * checked again when the cancel is applied, on replay too. Absent in entries journaled before
   * it existed: `before.owner` is checked then.
   */
  owner?: string;
  /** The order as it stood when the cancel was asked, so a journaled cancel can answer reads. */
  before: Order;
}

export interface CancelOutcome {
  /** The order after the cancel; absent when journaled (not yet applied). */
  order?: Order;
  /** False when it was already cancelled. */
  changed: boolean;
}

/**
 * Cancelling an order: idempotent (cancelling a cancelled order changes nothing); an unknown order,
 * or one of another owner than the one checked at intake, is refused and left untouched.
 */
export const cancelOrder = defineCommand<CancelOrder, CancelOutcome>({
  type: CANCEL_ORDER,

  async apply(
    manager: EntityManager,
    { id, owner, before }: CancelOrder,
    events: CommandEvents,
  ): Promise<CancelOutcome> {
    const expected = owner ?? before.owner;
    const updated = await manager
      .createQueryBuilder()
      .update(OrderEntity)
      .set({ status: 'cancelled' })
      .where('id = :id AND owner = :owner AND status <> :cancelled', { id, owner: expected, cancelled: 'cancelled' })
      .execute();
    const order = await manager.findOneBy(OrderEntity, { id });
    if (!order || order.owner !== expected) throw new JournalRejection(`cannot cancel order ${id}: no such order`);
    const changed = updated.affected === 1;
    // In the cancel's transaction: only the cancel that changed the order emits.
    if (changed)
      await events.emit({ stream: orderStream(id), type: 'order.cancelled', data: { order: toOrder(order) } });
    return { order: toOrder(order), changed };
  },

  journaled(): CancelOutcome {
    return { changed: true };
  },

  repeated(): CancelOutcome {
    return { changed: false };
  },

  // A cancel acknowledged from the journal and refused on replay: the order stands as it was.
  rejected({ id, before }: CancelOrder, reason: string) {
    return [
      { stream: orderStream(id), type: 'order.rejected', data: { command: CANCEL_ORDER, order: before, reason } },
    ];
  },
});
