import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { CacheCoherencePort } from '../cache/index.js';
import type { PostgresNotifications } from '../database/index.js';
import { MetricsService } from '../monitoring/index.js';
import { CacheCoherence } from './cache-coherence.js';

/** The two sides CacheCoherence joins, as stand-ins: the cache's hooks, and Postgres (outside the process). */
function harness() {
  const sent: Array<{ origin: string; keys: string[] }> = [];
  const invalidated: string[][] = [];
  let relay: (keys: string[]) => Promise<unknown> = async () => undefined;
  let hear: (payload: string) => void = () => undefined;
  const cache = {
    onUnpropagatedDelete: (listener: typeof relay) => ((relay = listener), () => undefined),
    invalidate: async (keys: readonly string[]) => void invalidated.push([...keys]),
  } satisfies CacheCoherencePort;
  // Postgres delivers a NOTIFY to every listener, the sender's own connection included.
  const notifications = {
    notify: async (_channel: string, payload: string) => (sent.push(JSON.parse(payload)), hear(payload), true),
    listen: (_channel: string, handler: typeof hear) => ((hear = handler), () => undefined),
  } as unknown as PostgresNotifications;
  const metrics = new MetricsService();
  metrics.registry = new Registry();
  new CacheCoherence(cache, notifications, metrics).onModuleInit();
  return { sent, invalidated, relay: (keys: string[]) => relay(keys), hear: (payload: string) => hear(payload) };
}

describe(CacheCoherence.name, () => {
  it('relays the deletes of one turn in one NOTIFY, 100 keys at most, each key once', async () => {
    const h = harness();
    const keys = Array.from({ length: 250 }, (_, i) => `item:${i}`);
    await Promise.all([...keys.map((k) => h.relay([k])), h.relay(['item:0'])]);
    assert.deepEqual(
      h.sent.map((m) => m.keys.length),
      [100, 100, 50],
    );
    assert.deepEqual(h.sent.flatMap((m) => m.keys).sort(), [...keys].sort());
    await h.relay(['item:next-turn']);
    assert.equal(h.sent.length, 4, 'a later turn gets its own NOTIFY');
  });

  it('invalidates what other instances relay, and ignores its own and malformed messages', () => {
    const h = harness();
    h.hear(JSON.stringify({ origin: 'another-instance', keys: ['item:1'] }));
    h.hear('not json');
    h.hear(JSON.stringify({ origin: 'x', keys: 'item:2' }));
    h.hear(JSON.stringify({ origin: 'x', keys: ['k'.repeat(600)] }));
    assert.deepEqual(h.invalidated, [['item:1']]);
  });

  it('does not invalidate its own relayed deletes when Postgres echoes them back', async () => {
    const h = harness();
    await h.relay(['item:3']);
    assert.equal(h.sent.length, 1);
    assert.deepEqual(h.invalidated, []);
  });
});
