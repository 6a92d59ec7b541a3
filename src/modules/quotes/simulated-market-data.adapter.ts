import { createHash } from 'node:crypto';
import type { MarketDataAdapter, Quote } from './market-data.adapter.js';

const TICK_MS = 1000;
// Past this many missed ticks the walk jumps ahead instead of replaying each step.
const MAX_REPLAY = 3600;

interface Walk {
  price: number;
  tick: number;
  seed: number;
}

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

// mulberry32: a small, well-known seeded PRNG; the walk needs reproducibility, not cryptography.
function next(walk: Walk): number {
  walk.seed = (walk.seed + 0x6d2b79f5) >>> 0;
  let t = walk.seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * A market-data feed for laptops and tests: per symbol, a random walk seeded by the symbol (the
 * same symbol walks the same way in every process), one step a second, ±0.5% a step, rounded to
 * cents. Quotes say `"source": "simulated"`. Never used in production unless asked for.
 */
export class SimulatedMarketDataAdapter implements MarketDataAdapter {
  readonly configured = true;
  readonly source = 'simulated';
  private readonly walks = new Map<string, Walk>();
  private readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  getQuote(symbol: string): Promise<Quote> {
    return Promise.resolve(this.peek(symbol));
  }

  peek(symbol: string): Quote {
    const tick = Math.floor((this.now() - this.startedAt) / TICK_MS);
    let walk = this.walks.get(symbol);
    if (!walk) {
      const seed = hash32(symbol);
      walk = { price: 20 + (seed % 48000) / 100, tick: 0, seed };
      this.walks.set(symbol, walk);
    }
    if (tick - walk.tick > MAX_REPLAY) walk.tick = tick - MAX_REPLAY;
    for (; walk.tick < tick; walk.tick++) walk.price = Math.max(0.01, walk.price * (1 + (next(walk) - 0.5) / 100));
    return {
      symbol,
      price: Math.round(walk.price * 100) / 100,
      timestamp: new Date(this.startedAt + walk.tick * TICK_MS).toISOString(),
      source: 'simulated',
    };
  }
}
