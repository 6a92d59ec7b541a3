import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { MetricsService } from '../monitoring/index.js';
import { RefusalRecorder } from './refusal.recorder.js';

describe(RefusalRecorder.name, () => {
  it('counts every refusal but logs at most one line a second, saying how many it left out', async (t) => {
    const lines: string[] = [];
    t.mock.method(Logger.prototype, 'warn', (message: string) => void lines.push(message));
    const metrics = new MetricsService();
    const recorder = new RefusalRecorder(metrics);
    let now = 10_000;
    recorder.now = () => now;
    for (let i = 0; i < 50; i++) recorder.record('invalid', '/widgets', `r${i}`, '127.0.0.1');
    now += 999;
    recorder.record('invalid', '/widgets', 'late', '127.0.0.1');
    now += 1;
    recorder.record('missing', '/widgets', 'next', '127.0.0.1');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /refused invalid credentials on \/widgets from 127\.0\.0\.1 \[requestId=r0\]$/);
    assert.match(lines[1], /\[requestId=next\] \(50 more refused in the last second\)$/);
    const text = await metrics.registry.getSingleMetricAsString('auth_refusals_total');
    assert.match(text, /auth_refusals_total\{reason="invalid"\} 51/);
    assert.match(text, /auth_refusals_total\{reason="missing"\} 1/);
  });
});
