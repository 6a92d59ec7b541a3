import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { MetricsService } from './metrics.service.js';

function service(): MetricsService {
  return Object.assign(new MetricsService(), { registry: new Registry() });
}

describe(MetricsService.name, () => {
  it('leaves a gauge whose read fails out of the scrape, and scrapes the others', async () => {
    const metrics = service();
    let broken = true;
    metrics.gauge({
      name: 'spec_journal_backlog',
      help: 'h',
      collect() {
        if (broken) throw new TypeError('The database connection is not open');
        this.set(3);
      },
    });
    metrics.gauge({
      name: 'spec_remote_depth',
      help: 'h',
      async collect() {
        await Promise.resolve();
        if (broken) throw new Error('connect ECONNREFUSED 127.0.0.1:6380');
        this.set(4);
      },
    });
    metrics.gauge({
      name: 'spec_up',
      help: 'h',
      collect() {
        this.set(1);
      },
    });
    // prom-client writes NaN as `Nan`, which Prometheus's parser (Go's ParseFloat, any case) reads as NaN.
    const text = await metrics.registry.metrics();
    assert.match(text, /^spec_up 1$/m);
    assert.match(text, /^spec_journal_backlog nan$/im, 'unknown, not a false 0');
    assert.match(text, /^spec_remote_depth nan$/im);

    broken = false;
    const again = await metrics.registry.metrics();
    assert.match(again, /^spec_journal_backlog 3$/m);
    assert.match(again, /^spec_remote_depth 4$/m);
  });

  it('drops the series of a labelled gauge whose read then fails: no stale sample', async () => {
    const metrics = service();
    let broken = false;
    metrics.gauge({
      name: 'spec_lag',
      help: 'h',
      labelNames: ['target'],
      collect() {
        if (broken) throw new Error('gone');
        this.set({ target: 'primary' }, 7);
      },
    });
    assert.match(await metrics.registry.metrics(), /^spec_lag\{target="primary"\} 7$/m);
    broken = true;
    assert.doesNotMatch(await metrics.registry.metrics(), /^spec_lag\{/m);
  });
});
