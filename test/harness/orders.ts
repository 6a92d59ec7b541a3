/** A valid body for POST /orders: a limit buy of 1 AAPL at 100; `overrides` change any field. */
export function limitOrder(clientOrderId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { clientOrderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: 1, limitPrice: 100, ...overrides };
}
