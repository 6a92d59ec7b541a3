import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSheddable } from './load-shedding.policy.js';

describe(isSheddable.name, () => {
  it("sheds writes, reads and teams' routes", () => {
    for (const route of ['/widgets', '/widgets/:id', '/prices/:name', '/positions', '/healthy-snacks'])
      assert.equal(isSheddable(route, []), true, route);
  });

  it('never sheds probes, scrapes, docs, operator routes and cancels', () => {
    for (const route of [
      '/health',
      '/health/live',
      '/health/ready',
      '/metrics',
      '/docs',
      '/docs-json',
      '/admin/circuit-breakers/:name/reset',
      '/widgets/:id/cancel',
    ])
      assert.equal(isSheddable(route, []), false, route);
  });

  it('never sheds the routes an operator lists', () => {
    assert.equal(isSheddable('/positions/:id/close', ['/positions/:id/close']), false);
    assert.equal(isSheddable('/positions/:id', ['/positions/:id/close']), true);
  });
});
