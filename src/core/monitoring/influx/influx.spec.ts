import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, it } from 'node:test';
import { InfluxPusher } from './influx.pusher.js';
import { toLineProtocol } from './line-protocol.js';

describe('toLineProtocol', () => {
  it('writes one point per series with escaped tags, and leaves histogram buckets out', async () => {
    const registry = new Registry();
    new Counter({ name: 'fills_total', help: 'h', labelNames: ['side', 'venue'], registers: [registry] }).inc(
      { side: 'buy', venue: 'NY SE,1' },
      3,
    );
    new Histogram({ name: 'latency_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
    const lines = toLineProtocol(await registry.getMetricsAsJSON(), 1700000000000);
    assert.deepEqual(lines, [
      'fills_total,side=buy,venue=NY\\ SE\\,1 value=3 1700000000000',
      'latency_seconds_sum value=0.5 1700000000000',
      'latency_seconds_count value=1 1700000000000',
    ]);
  });
});

describe(InfluxPusher.name, () => {
  it('keeps at most bufferMaxPoints, dropping the oldest and counting them', () => {
    const pusher = new InfluxPusher(
      { url: 'http://127.0.0.1:9', database: 'd', flushIntervalMs: 1000, bufferMaxPoints: 3, requestTimeoutMs: 100 },
      new Registry(),
    );
    pusher.enqueue(['a', 'b']);
    pusher.enqueue(['c', 'd', 'e']);
    assert.equal(pusher.stats.buffered, 3);
    assert.equal(pusher.stats.dropped, 2);
  });

  it('keeps its points when InfluxDB cannot be reached, and never throws', async () => {
    const pusher = new InfluxPusher(
      { url: 'http://127.0.0.1:9', database: 'd', flushIntervalMs: 1000, bufferMaxPoints: 10, requestTimeoutMs: 200 },
      new Registry(),
    );
    pusher.enqueue(['m value=1 1']);
    assert.equal(await pusher.flush(), 'failed');
    assert.equal(pusher.stats.buffered, 1);
    assert.equal(pusher.stats.failures, 1);
    assert.ok(pusher.stats.lastError);
  });
});
