import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Principal } from '../../core/auth/index.js';
import { AppError, ErrorCode } from '../../core/common/index.js';
import { DatabaseService, isCommandRejection } from '../../core/database/index.js';
import { QuotesService, tradingConfig } from '../quotes/index.js';
import { ordersConfig } from './orders.config.js';
import type { CreateOrderDto } from './create-order.dto.js';
import { type NewOrder, type Order, orderIdFor } from './order.model.js';
import { cancelOrder, createOrder, type CreateOutcome } from './orders.handlers.js';
import { CacheService } from '../../core/cache/index.js';
import { orderCacheKey, OrderQueries } from './order.queries.js';

export interface CreatedOrder extends CreateOutcome {
  /** Accepted into the journal while Postgres had no writer; stored there when it returns. */
  journaled: boolean;
}

/** The example domain service: validation and risk checks, then commands through DatabaseService. */
@Injectable()
export class OrdersService {
  private readonly symbols: Set<string>;

  constructor(
    private readonly database: DatabaseService,
    private readonly cache: CacheService,
    private readonly quotes: QuotesService,
    @Inject(tradingConfig.KEY) trading: ConfigType<typeof tradingConfig>,
    @Inject(ordersConfig.KEY) private readonly config: ConfigType<typeof ordersConfig>,
    private readonly queries: OrderQueries,
  ) {
    this.symbols = new Set(trading.symbols);
  }

  async create(dto: CreateOrderDto, caller: Principal): Promise<CreatedOrder> {
    const order = this.validated(dto, caller.sub);
    try {
      const { result, journaled } = await this.database.write(createOrder, order, {
        // Shown in logs and dead letters; the entity id (from owner and key) is what tells orders apart.
        key: order.clientOrderId,
        entityId: order.id,
      });
      // No cache delete: only settled orders read from the writer are cached, never a miss, so
      // no entry can exist for an order this call created, and a repeat changed nothing.
      return { ...result, journaled };
    } catch (error) {
      if (isCommandRejection(error)) throw new AppError(ErrorCode.CONFLICT, (error as Error).message);
      throw error;
    }
  }

  /** Cancels an order (idempotent); journaled like any write while Postgres has no writer. */
  async cancel(id: string, caller: Principal): Promise<{ order: Order; journaled: boolean }> {
    const before = await this.queries.get(id, caller);
    try {
      const { result, journaled } = await this.database.write(
        cancelOrder,
        { id, owner: before.owner, before },
        { key: `cancel:${id}`, entityId: id },
      );
      await this.cache.del(orderCacheKey(id));
      return { order: result.order ?? { ...before, status: 'cancelled' }, journaled };
    } catch (error) {
      if (isCommandRejection(error)) throw new AppError(ErrorCode.CONFLICT, (error as Error).message);
      throw error;
    }
  }

  private validated(dto: CreateOrderDto, owner: string): NewOrder {
    const symbol = dto.symbol.toUpperCase();
    const problems: Record<string, string> = {};
    if (!this.symbols.has(symbol)) problems.symbol = `${symbol} is not in TRADING_SYMBOLS`;
    if (dto.type === 'market' && dto.limitPrice !== undefined)
      problems.limitPrice = 'limitPrice is only for limit orders';
    const price = dto.type === 'limit' ? dto.limitPrice : this.quotes.lastKnownPrice(symbol);
    if (price === undefined && !problems.symbol)
      problems.type = `a market order needs a reference price and none is known for ${symbol}: send a limit order`;
    if (price !== undefined && dto.quantity * price > this.config.maxOrderNotional) {
      problems.quantity = `notional ${dto.quantity * price} exceeds TRADING_MAX_ORDER_NOTIONAL ${this.config.maxOrderNotional}`;
    }
    if (Object.keys(problems).length > 0) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, Object.values(problems).join('; '), { details: problems });
    }
    return {
      id: orderIdFor(dto.clientOrderId, owner),
      clientOrderId: dto.clientOrderId,
      symbol,
      side: dto.side,
      type: dto.type,
      quantity: dto.quantity,
      limitPrice: dto.limitPrice ?? null,
      createdAt: new Date().toISOString(),
      owner,
    };
  }
}
