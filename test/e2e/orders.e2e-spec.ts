import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InProcessApp, TEST_TOKEN, limitOrder } from '../harness/index.js';

const limit = (clientOrderId: string, extra: object = {}) => limitOrder(clientOrderId, { quantity: 10, ...extra });

describe('orders API on the embedded database', () => {
  let app: InProcessApp;
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.request({ method: 'POST', url: '/orders', payload: payload as object, headers });
  const get = (url: string) => app.request({ method: 'GET', url });

  before(async () => {
    // No market data at all: a market order then has no reference price (the simulated feed is tested below).
    app = await InProcessApp.start({
      TRADING_SYMBOLS: 'AAPL,MSFT',
      TRADING_MAX_ORDER_NOTIONAL: '10000',
      MARKET_DATA_SOURCE: 'none',
    });
  });
  after(async () => app?.close());

  it('answers 400 naming each bad field, and refuses unknown fields', async () => {
    const res = await post({
      clientOrderId: 'bad id!',
      symbol: 7,
      side: 'hold',
      type: 'stop',
      quantity: -1,
      limitPrice: 'x',
      note: 'hi',
    });
    assert.equal(res.statusCode, 400);
    const { code, details } = res.json() as { code: string; details: Record<string, string> };
    assert.equal(code, 'VALIDATION_FAILED');
    for (const field of ['clientOrderId', 'symbol', 'side', 'type', 'quantity', 'note'])
      assert.equal(typeof details[field], 'string', field);
  });

  it('answers 400 to malformed JSON', async () => {
    const res = await post('{"clientOrderId":', { 'content-type': 'application/json' });
    assert.equal(res.statusCode, 400);
  });

  it('applies the trading rules: traded symbols, limit price, notional, reference price', async () => {
    const notTraded = await post(limit('r-1', { symbol: 'TSLA' }));
    assert.equal(notTraded.statusCode, 400);
    assert.match(notTraded.json().details.symbol, /not in TRADING_SYMBOLS/);
    assert.equal(
      (await post(limit('r-2', { limitPrice: undefined }))).statusCode,
      400,
      'a limit order needs its price',
    );
    const tooBig = await post(limit('r-3', { quantity: 101 }));
    assert.equal(tooBig.statusCode, 400);
    assert.match(tooBig.json().details.quantity, /exceeds TRADING_MAX_ORDER_NOTIONAL/);
    const market = await post({ clientOrderId: 'r-4', symbol: 'AAPL', side: 'sell', type: 'market', quantity: 1 });
    assert.equal(market.statusCode, 400, 'no quote known: the notional cannot be checked');
    assert.match(market.json().details.type, /reference price/);
  });

  it('returns the same order for a repeated clientOrderId, and 409 for other terms', async () => {
    const first = await post(limit('same-1'));
    assert.equal(first.statusCode, 201);
    const again = await post(limit('same-1'));
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, first.json().id);
    assert.equal((await post(limit('same-1', { quantity: 11 }))).statusCode, 409);
  });

  it('answers 404 for an unknown id and 400 for one that is not a uuid', async () => {
    assert.equal((await get('/orders/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await get('/orders/not-a-uuid')).statusCode, 400);
  });

  it('pages newest first with a cursor, filtered by symbol, and refuses a forged cursor', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await post(limit(`page-${i}`, { symbol: 'MSFT', quantity: 1 }))).statusCode, 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/orders?symbol=msft&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200);
      seen.push(...res.json().orders.map((o: { clientOrderId: string }) => o.clientOrderId));
      cursor = res.json().nextCursor;
    } while (cursor);
    // Orders made in the same millisecond are ordered by id: compare with one unpaged read.
    const all = (await get('/orders?symbol=MSFT&limit=500'))
      .json()
      .orders.map((o: { clientOrderId: string }) => o.clientOrderId);
    assert.deepEqual(seen, all);
    assert.deepEqual([...seen].sort(), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    assert.equal((await get('/orders?cursor=bm90LWEtY3Vyc29y')).statusCode, 400);
    assert.equal((await get('/orders?limit=0')).statusCode, 400);
  });

  it('cancels an order once, idempotently, and 404s an unknown one', async () => {
    const id = (await post(limit('cancel-1'))).json().id as string;
    const cancel = () => app.request({ method: 'POST', url: `/orders/${id}/cancel` });
    assert.equal((await cancel()).json().status, 'cancelled');
    assert.equal((await cancel()).json().status, 'cancelled');
    assert.equal((await get(`/orders/${id}`)).json().status, 'cancelled');
    assert.equal(
      (await app.request({ method: 'POST', url: '/orders/00000000-0000-4000-8000-000000000000/cancel' })).statusCode,
      404,
    );
  });
});

describe('the embedded default: a simulated market-data feed', () => {
  let app: InProcessApp;
  before(async () => {
    app = await InProcessApp.start({ TRADING_SYMBOLS: 'AAPL,MSFT' });
  });
  after(async () => app?.close());

  it('serves quotes marked simulated, takes market orders, and says so in health', async () => {
    const quote = await app.request({ method: 'GET', url: '/quotes/AAPL' });
    assert.equal(quote.statusCode, 200, quote.body);
    assert.equal(quote.json().source, 'simulated');
    assert.ok(quote.json().price > 0);
    const market = await app.request({
      method: 'POST',
      url: '/orders',
      payload: { clientOrderId: 'sim-1', symbol: 'MSFT', side: 'buy', type: 'market', quantity: 1 },
    });
    assert.equal(market.statusCode, 201, market.body);
    const health = (
      await app.request({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${TEST_TOKEN}` } })
    ).json();
    assert.equal(health.details.marketData.source, 'simulated');
  });
});
