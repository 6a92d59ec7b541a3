import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.factory.js';
import {
  CircuitBreakerProtected,
  CircuitBreakerRegistry,
  CircuitState,
  type StateTransition,
} from '../../src/core/circuit-breaker/index.js';

@Injectable()
class FlakyClient {
  calls = 0;
  failing = true;

  @CircuitBreakerProtected('flaky', { fallbackMethod: 'cached' })
  async positions(account: string): Promise<string> {
    this.calls += 1;
    if (this.failing) throw Object.assign(new Error('broker down'), { status: 502 });
    return `live:${account}`;
  }

  cached(account: string, error: unknown): string {
    return `cached:${account}:${(error as Error).name}`;
  }
}

@Module({ providers: [FlakyClient] })
class FlakyModule {}

describe('@CircuitBreakerProtected', () => {
  let app: NestFastifyApplication;
  before(async () => {
    app = await createApp({
      env: {
        LOG_LEVEL: 'fatal',
        DB_SQLITE_PATH: ':memory:',
        CB_OVERRIDES: JSON.stringify({ flaky: { minimumCalls: 2, windowSize: 4, waitInOpenMs: 60000 } }),
      },
      imports: [FlakyModule],
    });
    await app.init();
  });
  after(async () => app?.close());

  it('runs the method through its named breaker and answers through the fallback', async () => {
    const client = app.get(FlakyClient);
    const transitions: StateTransition[] = [];
    app.get(CircuitBreakerRegistry).onStateChange((t) => transitions.push(t));
    assert.equal(await client.positions('A1'), 'cached:A1:Error');
    assert.equal(await client.positions('A1'), 'cached:A1:Error');
    assert.equal(app.get(CircuitBreakerRegistry).find('flaky')?.state, CircuitState.OPEN);
    assert.deepEqual(
      transitions.map((t) => `${t.breaker}:${t.to}`),
      ['flaky:OPEN'],
    );
    client.failing = false;
    assert.equal(await client.positions('A1'), 'cached:A1:CircuitOpenError');
    assert.equal(client.calls, 2, 'the open breaker did not call the method');
  });

  it('uses the per-breaker settings from CB_OVERRIDES', () => {
    const settings = app.get(CircuitBreakerRegistry).get('flaky').settings;
    assert.deepEqual([settings.minimumCalls, settings.windowSize, settings.waitInOpenMs], [2, 4, 60000]);
  });
});
