import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../core/common/index.js';
import { tradingConfig } from '../../core/config/index.js';
import { DatabaseService, isCommandRejection } from '../../core/database/index.js';
import { QuotesService } from '../quotes/index.js';
import type { CreateOrderDto } from './create-order.dto.js';
import { OrderEntity, toOrder } from './order.entity.js';
import { type NewOrder, type Order, orderIdFor } from './order.model.js';
import { CANCEL_ORDER, type CancelOrder, type CancelOutcome, cancelOrderHandler, CREATE_ORDER, type CreateOutcome, createOrderHandler } from './orders.handlers.js';
import { CacheService } from '../../core/cache/index.js';
import { decodeCursor, encodeCursor, type OrderPage } from './order-cursor.js';

const CACHE_TTL_MS = 30_000;
const cacheKey = (id: string): string => `order:${id}`;

export interface CreatedOrder extends CreateOutcome {
  /** Accepted into the journal while Postgres had no writer; stored there when it returns. */
  journaled: boolean;
}

export interface ListQuery {
  symbol?: string;
  limit: number;
  cursor?: string;
}

/** The example domain service: validation and risk checks here, storage through DatabaseService. */
@Injectable()
export class OrdersService implements OnModuleInit {
  private readonly symbols: Set<string>;

  constructor(
    private readonly database: DatabaseService,
    private readonly cache: CacheService,
    private readonly quotes: QuotesService,
    @Inject(tradingConfig.KEY) private readonly trading: ConfigType<typeof tradingConfig>,
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
  ) {
    this.symbols = new Set(trading.symbols);
  }

  onModuleInit(): void {
    this.database.registerHandler(createOrderHandler);
    this.database.registerHandler(cancelOrderHandler);
  }

  async create(dto: CreateOrderDto): Promise<CreatedOrder> {
    const order = this.validated(dto);
    try {
      const { result, journaled } = await this.database.write<NewOrder, CreateOutcome>({ type: CREATE_ORDER, key: order.clientOrderId, entityId: order.id, payload: order });
      await this.cache.del(cacheKey(order.id));
      return { ...result, journaled };
    } catch (error) {
      if (isCommandRejection(error)) throw new AppError(ErrorCode.CONFLICT, (error as Error).message);
      throw error;
    }
  }

  /**
   * Cache-aside over a read of the writer: the cache is filled only with the truth (never from a
   * lagging replica) and only with settled states (not `accepted`), and every write to an order
   * deletes its entry. Without a writer, the read is answered uncached (journal, then replicas).
   */
  async get(id: string): Promise<Order> {
    let order: Order | undefined;
    try {
      order = await this.cache.wrap(cacheKey(id), CACHE_TTL_MS, () => this.load(id, 'strong'), { cacheIf: (o) => o !== undefined && o.status !== 'accepted' });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCode.DEPENDENCY_UNAVAILABLE) throw error;
      order = await this.load(id, 'eventual');
    }
    if (!order) throw new AppError(ErrorCode.NOT_FOUND, `order ${id} not found`);
    return order;
  }

  /** Cancels an order (idempotent); journaled like any write while Postgres has no writer. */
  async cancel(id: string): Promise<{ order: Order; journaled: boolean }> {
    const before = await this.get(id);
    try {
      const { result, journaled } = await this.database.write<CancelOrder, CancelOutcome>({ type: CANCEL_ORDER, key: `cancel:${id}`, entityId: id, payload: { id, before } });
      await this.cache.del(cacheKey(id));
      return { order: result.order ?? { ...before, status: 'cancelled' }, journaled };
    } catch (error) {
      if (isCommandRejection(error)) throw new AppError(ErrorCode.CONFLICT, (error as Error).message);
      throw error;
    }
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
  async list(query: ListQuery): Promise<OrderPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const symbol = query.symbol?.toUpperCase();
    const found = await this.database.read<OrderEntity[]>({
      kind: 'list',
      run: () => {
        const select = this.orders.createQueryBuilder('o').orderBy('o.createdAt', 'DESC').addOrderBy('o.id', 'DESC').limit(query.limit + 1);
        if (symbol) select.andWhere('o.symbol = :symbol', { symbol });
        if (after) select.andWhere('(o.createdAt < :at OR (o.createdAt = :at AND o.id < :id))', { at: after.createdAt, id: after.id });
        return select.getMany();
      },
    });
    const orders = (found ?? []).slice(0, query.limit).map(toOrder);
    const last = orders.at(-1);
    return { orders, nextCursor: found && found.length > query.limit && last ? encodeCursor(last) : null };
  }

  private validated(dto: CreateOrderDto): NewOrder {
    const symbol = dto.symbol.toUpperCase();
    const problems: Record<string, string> = {};
    if (!this.symbols.has(symbol)) problems.symbol = `${symbol} is not in TRADING_SYMBOLS`;
    if (dto.type === 'market' && dto.limitPrice !== undefined) problems.limitPrice = 'limitPrice is only for limit orders';
    const price = dto.type === 'limit' ? dto.limitPrice : this.quotes.lastKnownPrice(symbol);
    if (price === undefined && !problems.symbol) problems.type = `a market order needs a reference price and none is known for ${symbol}: send a limit order`;
    if (price !== undefined && dto.quantity * price > this.trading.maxOrderNotional) {
      problems.quantity = `notional ${dto.quantity * price} exceeds TRADING_MAX_ORDER_NOTIONAL ${this.trading.maxOrderNotional}`;
    }
    if (Object.keys(problems).length > 0) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, Object.values(problems).join('; '), { details: problems });
    }
    return {
      id: orderIdFor(dto.clientOrderId),
      clientOrderId: dto.clientOrderId,
      symbol,
      side: dto.side,
      type: dto.type,
      quantity: dto.quantity,
      limitPrice: dto.limitPrice ?? null,
      createdAt: new Date().toISOString(),
    };
  }
}
