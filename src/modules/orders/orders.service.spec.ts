import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../core/auth/index.js';
import { AppError } from '../../core/common/index.js';
import type { CacheService } from '../../core/cache/index.js';
import {
  type CommandHandler,
  type DatabaseService,
  JournalRejection,
  type WriteOptions,
} from '../../core/database/index.js';
import type { QuotesService } from '../quotes/index.js';
import type { CreateOrderDto } from './create-order.dto.js';
import type { OrderQueries } from './order.queries.js';
import type { Order } from './order.model.js';
import { CANCEL_ORDER, CREATE_ORDER } from './orders.handlers.js';
import { OrdersService } from './orders.service.js';

// A template for a domain service's unit spec: its collaborators replaced by the smallest objects
// that record what they were asked, so the spec pins the service's own rules (validation, risk,
// the command it sends, how refusals are answered). What the database does with the command is
// the command bus's spec and the e2e tests' (real Postgres): test/e2e/orders.e2e-spec.ts.
const alice: Principal = { sub: 'alice', scopes: new Set(['orders:write']), anonymous: false };
const limit = (overrides: Partial<CreateOrderDto> = {}): CreateOrderDto =>
  ({
    clientOrderId: 'c-1',
    symbol: 'aapl',
    side: 'buy',
    type: 'limit',
    quantity: 2,
    limitPrice: 100,
    ...overrides,
  }) as CreateOrderDto;

function service(options: { refuse?: string; journaled?: boolean; lastPrice?: number } = {}) {
  const writes: Array<{ type: string; payload: unknown; options: WriteOptions }> = [];
  const deleted: string[] = [];
  const database = {
    write(command: CommandHandler, payload: unknown, writeOptions: WriteOptions) {
      writes.push({ type: command.type, payload, options: writeOptions });
      if (options.refuse) return Promise.reject(new JournalRejection(options.refuse));
      const result =
        command.type === CREATE_ORDER
          ? { order: { ...(payload as Order), status: options.journaled ? 'accepted' : 'new' }, created: true }
          : { order: undefined, changed: true };
      return Promise.resolve({ result, journaled: options.journaled === true });
    },
  } as unknown as DatabaseService;
  const cache = { del: (key: string) => Promise.resolve(void deleted.push(key)) } as unknown as CacheService;
  const quotes = { lastKnownPrice: () => options.lastPrice } as unknown as QuotesService;
  const stored: Order = {
    id: 'o-1',
    clientOrderId: 'c-1',
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    quantity: 2,
    limitPrice: 100,
    status: 'new',
    createdAt: '2026-12-03T00:00:00.000Z',
    owner: 'alice',
  };
  const queries = { get: () => Promise.resolve(stored) } as unknown as OrderQueries;
  const orders = new OrdersService(
    database,
    cache,
    quotes,
    { symbols: ['AAPL', 'MSFT'] } as never,
    { maxOrderNotional: 1000, cursorKey: undefined } as never,
    queries,
  );
  return { orders, writes, deleted };
}

describe('OrdersService', () => {
  it('sends one create command, its id from the owner and the key, the symbol upper-cased', async () => {
    const { orders, writes } = service();
    const created = await orders.create(limit(), alice);
    assert.equal(created.order.status, 'new');
    assert.equal(created.journaled, false);
    assert.equal(writes.length, 1);
    const [{ type, payload, options }] = writes;
    assert.equal(type, CREATE_ORDER);
    assert.equal((payload as Order).symbol, 'AAPL');
    assert.equal((payload as Order).owner, 'alice');
    assert.deepEqual(options, { key: 'c-1', entityId: (payload as Order).id });
    // The same key from another owner names another order.
    const bob = await service().orders.create(limit(), { ...alice, sub: 'bob' });
    assert.notEqual(bob.order.id, created.order.id);
  });

  it('refuses before any command: an unknown symbol, a price on a market order, a market order with no price, the notional', async () => {
    const { orders, writes } = service();
    await assert.rejects(orders.create(limit({ symbol: 'nope', quantity: 1 }), alice), (error: AppError) => {
      assert.equal(error.status, 400);
      assert.deepEqual(Object.keys(error.details ?? {}), ['symbol']);
      return true;
    });
    await assert.rejects(orders.create(limit({ quantity: 20 }), alice), /exceeds TRADING_MAX_ORDER_NOTIONAL 1000/);
    await assert.rejects(orders.create(limit({ type: 'market' }), alice), (error: AppError) => {
      assert.equal(error.details?.limitPrice, 'limitPrice is only for limit orders');
      return true;
    });
    await assert.rejects(
      orders.create(limit({ type: 'market', limitPrice: undefined }), alice),
      /needs a reference price/,
    );
    assert.equal(writes.length, 0);
  });

  it('prices a market order from the last known quote', async () => {
    const { orders } = service({ lastPrice: 600 });
    await assert.rejects(orders.create(limit({ type: 'market', limitPrice: undefined }), alice), /notional 1200/);
  });

  it('answers a refused command (other terms for a key) as 409, and a journaled one as accepted', async () => {
    await assert.rejects(service({ refuse: 'other terms' }).orders.create(limit(), alice), (error: AppError) => {
      assert.equal(error.status, 409);
      return true;
    });
    const journaled = await service({ journaled: true }).orders.create(limit(), alice);
    assert.equal(journaled.journaled, true);
    assert.equal(journaled.order.status, 'accepted');
  });

  it('cancels the order the caller may see, with its owner checked again when applied, and drops it from the cache', async () => {
    const { orders, writes, deleted } = service();
    const { order } = await orders.cancel('o-1', alice);
    assert.equal(order.status, 'cancelled');
    assert.equal(writes[0].type, CANCEL_ORDER);
    assert.equal((writes[0].payload as { owner: string }).owner, 'alice');
    assert.deepEqual(writes[0].options, { key: 'cancel:o-1', entityId: 'o-1' });
    assert.equal(deleted.length, 1);
  });
});
