import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CacheService } from '../../core/cache/index.js';
import { isAdmin, type Principal } from '../../core/auth/index.js';
import { AppError, ErrorCode } from '../../core/common/index.js';
import { DatabaseService } from '../../core/database/index.js';
import { OrderCursors, type OrderPage } from './order-cursor.js';
import { OrderEntity, toOrder } from './order.entity.js';
import type { NewOrder, Order } from './order.model.js';
import { CANCEL_ORDER, type CancelOrder, CREATE_ORDER } from './orders.handlers.js';

const CACHE_TTL_MS = 30_000;
export const orderCacheKey = (id: string): string => `order:${id}`;

export interface ListQuery {
  symbol?: string;
  limit: number;
  cursor?: string;
}

/** Reads of orders: one by id (cached, never a false 404), and keyset pages. */
@Injectable()
export class OrderQueries {
  constructor(
    private readonly database: DatabaseService,
    private readonly cache: CacheService,
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
    private readonly cursors: OrderCursors,
  ) {}

  /**
   * Cache-aside over a read of the writer: the cache is filled only with the truth (never from a
   * lagging replica) and only with settled states (not `accepted`), and every write to an order
   * deletes its entry. Without a writer, the read is answered uncached (journal, then replicas).
   */
  async get(id: string, caller: Principal): Promise<Order> {
    let order: Order | undefined;
    try {
      order = await this.cache.wrap(orderCacheKey(id), CACHE_TTL_MS, () => this.load(id, 'strong'), {
        cacheIf: (o) => o !== undefined && o.status !== 'accepted',
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCode.DEPENDENCY_UNAVAILABLE) throw error;
      order = await this.load(id, 'eventual');
    }
    // Another subject's order is answered as if it did not exist, unless the caller is an admin.
    if (!order || (order.owner !== caller.sub && !isAdmin(caller)))
      throw new AppError(ErrorCode.NOT_FOUND, `order ${id} not found`);
    return order;
  }

  private load(id: string, consistency: 'strong' | 'eventual'): Promise<Order | undefined> {
    return this.database.read<Order>({
      kind: 'single',
      consistency,
      run: async () => {
        const found = await this.orders.findOneBy({ id });
        return found ? toOrder(found) : undefined;
      },
      journal: (journal) => {
        const cancel = journal.byEntity(CANCEL_ORDER, id);
        if (cancel) return { ...(cancel.payload as CancelOrder).before, status: 'cancelled' };
        const created = journal.byEntity(CREATE_ORDER, id);
        return created ? { ...(created.payload as NewOrder), status: 'accepted' } : undefined;
      },
    });
  }

  /** Newest first, keyset pagination on (createdAt, id); orders still in the journal are not listed. */
  async list(query: ListQuery, caller: Principal): Promise<OrderPage> {
    const after = query.cursor ? this.cursors.decode(query.cursor) : undefined;
    const symbol = query.symbol?.toUpperCase();
    const found = await this.database.read<OrderEntity[]>({
      kind: 'list',
      run: () => {
        const select = this.orders
          .createQueryBuilder('o')
          .orderBy('o.createdAt', 'DESC')
          .addOrderBy('o.id', 'DESC')
          .limit(query.limit + 1);
        if (!isAdmin(caller)) select.andWhere('o.owner = :owner', { owner: caller.sub });
        if (symbol) select.andWhere('o.symbol = :symbol', { symbol });
        if (after)
          select.andWhere('(o.createdAt < :at OR (o.createdAt = :at AND o.id < :id))', {
            at: after.createdAt,
            id: after.id,
          });
        return select.getMany();
      },
    });
    const orders = (found ?? []).slice(0, query.limit).map(toOrder);
    const last = orders.at(-1);
    return { orders, nextCursor: found && found.length > query.limit && last ? this.cursors.encode(last) : null };
  }
}
