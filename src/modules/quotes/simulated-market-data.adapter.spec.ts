import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedMarketDataAdapter } from './simulated-market-data.adapter.js';

describe(SimulatedMarketDataAdapter.name, () => {
  it('walks the same way for the same symbol in every process, a step a second, within ±0.5%', () => {
    let now = 0;
    const a = new SimulatedMarketDataAdapter(() => now);
    const b = new SimulatedMarketDataAdapter(() => now);
    const prices: number[] = [];
    for (let second = 0; second < 30; second++) {
      now = second * 1000;
      const quote = a.peek('AAPL');
      assert.deepEqual(quote, b.peek('AAPL'));
      assert.equal(quote.source, 'simulated');
      prices.push(quote.price);
    }
    for (let i = 1; i < prices.length; i++)
      assert.ok(Math.abs(prices[i] / prices[i - 1] - 1) <= 0.0051, `step ${i}: ${prices[i - 1]} -> ${prices[i]}`);
    assert.ok(new Set(prices).size > 10, 'it moves');
    assert.notEqual(a.peek('MSFT').price, a.peek('AAPL').price, 'each symbol has its own walk');
  });
});
