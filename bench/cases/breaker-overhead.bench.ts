import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { Registry } from 'prom-client';
import { CircuitBreaker, DEFAULT_BREAKER_SETTINGS } from '../../src/core/circuit-breaker/index.js';
import { BreakerMetrics } from '../../src/core/circuit-breaker/circuit-breaker.metrics.js';
import { MetricsService } from '../../src/core/monitoring/index.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, type Sample } from '../lib/stats.js';

const CALLS = 200_000;
const resolved = (): Promise<number> => Promise.resolve(1);

async function nsPerCall(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await run();
  return Number(process.hrtime.bigint() - start) / CALLS;
}

/** Per-call cost of `execute` on a resolved function, metrics on, vs a bare await, cockatiel and opossum. */
export async function breakerOverhead(options: BenchOptions): Promise<CaseResult> {
  const metrics = new MetricsService();
  metrics.registry = new Registry();
  const ours = new CircuitBreaker('bench', DEFAULT_BREAKER_SETTINGS);
  const breakerMetrics = new BreakerMetrics(metrics, () => [ours]);
  breakerMetrics.attach(ours);
  const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const opossum = new Opossum(resolved);

  const contenders: Array<[string, () => Promise<unknown>]> = [
    ['bare await', () => resolved()],
    ['ours (metrics on)', () => ours.execute(resolved)],
    ['cockatiel', () => cockatiel.execute(resolved)],
    ['opossum (default timeout)', () => opossum.fire()],
  ];
  for (const [, run] of contenders) await nsPerCall(run);
  const bare: number[] = [];
  const samples = await interleave(
    contenders.map(([name, run]) => ({
      name,
      measure: async (): Promise<Sample> => {
        const value = await nsPerCall(run);
        if (name === 'bare await') bare.push(value);
        return { value, extra: { 'overhead ns': value - (bare.at(-1) ?? value) } };
      },
    })),
    options.rounds,
  );
  opossum.shutdown();
  if ((await metrics.registry.metrics()).indexOf('circuit_breaker_call_duration_seconds_count{name="bench"}') < 0) {
    throw new Error('the breaker recorded no metrics: the case would measure the wrong thing');
  }
  return {
    case: 'breaker-overhead',
    description: `execute() on a resolved function, ${CALLS} calls per sample; overhead = minus the bare await of the same round`,
    unit: 'ns/call',
    baseline: 'bare await',
    target: { contender: 'ours (metrics on)', value: 150, direction: 'at-most', extra: 'overhead ns' },
    rounds: options.rounds,
    samples,
  };
}
