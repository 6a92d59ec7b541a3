import type { Counter } from 'prom-client';
import type { BucketHistogram, MetricsService } from '../monitoring/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { CircuitState, type StateTransition } from './circuit-breaker.types.js';

const STATES = Object.values(CircuitState);

/**
 * Breaker metrics, cheap on the call path: outcome counts and states are read from the breakers
 * at scrape time; only the duration histogram is fed per call, through a child bound once.
 */
export class BreakerMetrics {
  private readonly transitions: Counter<'name' | 'from' | 'to'>;
  private readonly durations: BucketHistogram;

  constructor(metrics: MetricsService, breakers: () => CircuitBreaker[]) {
    metrics.gauge({
      name: 'circuit_breaker_state',
      help: 'Breaker state: 1 for the current state, 0 for the others.',
      labelNames: ['name', 'state'],
      collect() {
        for (const breaker of breakers()) {
          const current = breaker.state;
          for (const state of STATES) this.set({ name: breaker.name, state }, state === current ? 1 : 0);
        }
      },
    });
    metrics.counter({
      name: 'circuit_breaker_calls_total',
      help: 'Calls by outcome: success, slow, failure, ignored, rejected.',
      labelNames: ['name', 'outcome'],
      collect() {
        this.reset();
        for (const breaker of breakers()) {
          for (const [outcome, count] of Object.entries(breaker.counters))
            this.inc({ name: breaker.name, outcome }, count);
        }
      },
    });
    metrics.gauge({
      name: 'circuit_breaker_failure_rate',
      help: 'Failure rate over the current window, percent.',
      labelNames: ['name'],
      collect() {
        for (const breaker of breakers()) this.set({ name: breaker.name }, breaker.metrics().failureRate);
      },
    });
    this.transitions = metrics.counter({
      name: 'circuit_breaker_transitions_total',
      help: 'State transitions.',
      labelNames: ['name', 'from', 'to'],
    });
    this.durations = metrics.bucketHistogram(
      'circuit_breaker_call_duration_seconds',
      'Duration of permitted calls.',
      'name',
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
  }

  attach(breaker: CircuitBreaker): void {
    const child = this.durations.child(breaker.name);
    breaker.onCallComplete = (durationMs) => child.observe(durationMs / 1000);
  }

  transition(t: StateTransition): void {
    this.transitions.inc({ name: t.breaker, from: t.from, to: t.to });
  }
}
