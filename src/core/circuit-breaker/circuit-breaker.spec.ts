import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  type BreakerSettings,
  CircuitState,
  DEFAULT_BREAKER_SETTINGS,
  type StateTransition,
} from './circuit-breaker.types.js';
import { CircuitOpenError } from './circuit-breaker.errors.js';
import { classifyError } from './error-classification.js';
import { TaskCancelledError } from 'cockatiel';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { spans } from '../tracing/index.js';

class FakeClock {
  t = 1_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });
const boom = () => httpError(503);

function breaker(overrides: Partial<BreakerSettings> = {}, clock = new FakeClock()) {
  const settings: BreakerSettings = {
    ...DEFAULT_BREAKER_SETTINGS,
    windowSize: 10,
    minimumCalls: 4,
    failureRateThreshold: 50,
    waitInOpenMs: 1000,
    halfOpenCalls: 2,
    ...overrides,
  };
  const cb = new CircuitBreaker('upstream', settings, clock.now);
  const transitions: StateTransition[] = [];
  cb.onStateChange((t) => transitions.push(t));
  return { cb, clock, transitions };
}

/** Records a call that took `ms` on the fake clock. */
function call(cb: CircuitBreaker, clock: FakeClock, outcome: 'ok' | Error, ms = 1): boolean {
  if (!cb.tryAcquire()) return false;
  clock.advance(ms);
  if (outcome === 'ok') cb.onSuccess(ms);
  else cb.onError(ms, outcome);
  return true;
}

describe(CircuitBreaker.name, () => {
  describe('CLOSED', () => {
    it('stays closed below the minimum number of calls, even when every call fails', () => {
      const { cb, clock } = breaker();
      for (let i = 0; i < 3; i++) call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.CLOSED);
    });

    it('opens when the failure rate reaches the threshold over a count window', () => {
      const { cb, clock, transitions } = breaker();
      call(cb, clock, 'ok');
      call(cb, clock, 'ok');
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.CLOSED);
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.OPEN);
      assert.equal(transitions.length, 1);
      assert.match(transitions[0].cause, /failure rate 50\.0% >= 50% over 4 calls/);
    });

    it('forgets failures that slid out of a count window', () => {
      const { cb, clock } = breaker({ windowSize: 4, minimumCalls: 4 });
      call(cb, clock, boom());
      for (let i = 0; i < 20; i++) call(cb, clock, 'ok');
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.CLOSED);
      assert.equal(cb.metrics().failureRate, 25);
    });

    it('forgets failures older than a time window', () => {
      const { cb, clock } = breaker({ windowType: 'time', windowSize: 10, minimumCalls: 4 });
      call(cb, clock, boom());
      call(cb, clock, boom());
      clock.advance(11_000);
      call(cb, clock, 'ok');
      call(cb, clock, 'ok');
      call(cb, clock, boom());
      call(cb, clock, 'ok');
      assert.equal(cb.state, CircuitState.CLOSED);
      assert.equal(cb.metrics().calls, 4);
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.CLOSED, '2 of 5');
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.OPEN, '3 of 6 within 10 s');
    });

    it('opens on the slow-call rate even when every call succeeds', () => {
      const { cb, clock, transitions } = breaker({ slowCallDurationMs: 100, slowCallRateThreshold: 75 });
      call(cb, clock, 'ok', 150);
      call(cb, clock, 'ok', 150);
      call(cb, clock, 'ok', 10);
      call(cb, clock, 'ok', 150);
      assert.equal(cb.state, CircuitState.OPEN);
      assert.match(transitions[0].cause, /slow-call rate 75\.0%/);
    });

    it('opens at once on a critical error', () => {
      const { cb, clock } = breaker({ severity: { connection: 'critical' } });
      call(cb, clock, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      assert.equal(cb.state, CircuitState.OPEN);
    });

    it('ignores caller errors: they neither count nor open', () => {
      const { cb, clock } = breaker();
      for (let i = 0; i < 10; i++) call(cb, clock, httpError(404));
      assert.equal(cb.state, CircuitState.CLOSED);
      assert.equal(cb.counters.ignored, 10);
      assert.equal(cb.metrics().calls, 0);
    });
  });

  describe('OPEN', () => {
    it('rejects without calling the function, with the time to wait', async () => {
      const { cb, clock } = breaker();
      for (let i = 0; i < 4; i++) call(cb, clock, boom());
      clock.advance(400);
      let called = false;
      await assert.rejects(
        cb.execute(async () => (called = true)),
        (e: CircuitOpenError) => e instanceof CircuitOpenError && e.retryAfterSeconds === 1 && e.status === 503,
      );
      assert.equal(called, false);
      assert.equal(cb.counters.rejected, 1);
      assert.equal(cb.retryAfterMs(), 600);
    });

    it('moves to HALF_OPEN once the wait has elapsed', () => {
      const { cb, clock, transitions } = breaker();
      for (let i = 0; i < 4; i++) call(cb, clock, boom());
      clock.advance(999);
      assert.equal(cb.advance(), CircuitState.OPEN);
      clock.advance(1);
      assert.equal(cb.state, CircuitState.OPEN, 'reading the state changes nothing');
      assert.equal(transitions.length, 1);
      assert.equal(cb.advance(), CircuitState.HALF_OPEN);
      assert.equal(cb.state, CircuitState.HALF_OPEN);
      assert.equal(transitions.at(-1)?.cause, 'wait in open elapsed');
    });

    it('waits longer after each consecutive open, up to the cap', () => {
      const { cb, clock } = breaker({ waitBackoffMultiplier: 2, maxWaitInOpenMs: 3000, halfOpenCalls: 1 });
      for (let i = 0; i < 4; i++) call(cb, clock, boom());
      const waits: number[] = [];
      for (let round = 0; round < 3; round++) {
        waits.push(cb.retryAfterMs());
        clock.advance(cb.retryAfterMs());
        call(cb, clock, boom());
      }
      assert.deepEqual(waits, [1000, 2000, 3000]);
    });
  });

  describe('HALF_OPEN', () => {
    function halfOpen(overrides: Partial<BreakerSettings> = {}) {
      const made = breaker(overrides);
      for (let i = 0; i < 4; i++) call(made.cb, made.clock, boom());
      made.clock.advance(1000);
      assert.equal(made.cb.advance(), CircuitState.HALF_OPEN);
      return made;
    }

    it('lets exactly N trial calls through', () => {
      const { cb } = halfOpen({ halfOpenCalls: 2 });
      assert.equal(cb.tryAcquire(), true);
      assert.equal(cb.tryAcquire(), true);
      assert.equal(cb.tryAcquire(), false);
    });

    it('closes when the N trials succeed, with an empty window', () => {
      const { cb, clock, transitions } = halfOpen();
      call(cb, clock, 'ok');
      assert.equal(cb.state, CircuitState.HALF_OPEN);
      call(cb, clock, 'ok');
      assert.equal(cb.state, CircuitState.CLOSED);
      assert.equal(cb.metrics().calls, 0);
      assert.equal(transitions.at(-1)?.cause, '2 trial calls succeeded');
    });

    it('reopens on one failed trial', () => {
      const { cb, clock } = halfOpen();
      call(cb, clock, 'ok');
      call(cb, clock, boom());
      assert.equal(cb.state, CircuitState.OPEN);
    });

    it('reopens when the trials are too slow', () => {
      const { cb, clock } = halfOpen({ slowCallDurationMs: 100, slowCallRateThreshold: 50 });
      call(cb, clock, 'ok', 200);
      call(cb, clock, 'ok', 10);
      assert.equal(cb.state, CircuitState.OPEN);
    });

    it('gives the permit back when a trial ends in an ignored error', () => {
      const { cb, clock } = halfOpen({ halfOpenCalls: 1 });
      call(cb, clock, httpError(400));
      assert.equal(cb.state, CircuitState.HALF_OPEN);
      assert.equal(call(cb, clock, 'ok'), true);
      assert.equal(cb.state, CircuitState.CLOSED);
    });
  });

  describe('forced states', () => {
    it('FORCED_OPEN rejects everything until reset', () => {
      const { cb, clock, transitions } = breaker();
      cb.forceOpen();
      clock.advance(60_000);
      assert.equal(cb.tryAcquire(), false);
      assert.equal(cb.state, CircuitState.FORCED_OPEN);
      cb.reset();
      assert.equal(cb.state, CircuitState.CLOSED);
      assert.deepEqual(
        transitions.map((t) => t.to),
        ['FORCED_OPEN', 'CLOSED'],
      );
    });

    it('DISABLED lets everything through and never opens', () => {
      const { cb, clock } = breaker({ severity: { 'upstream-5xx': 'critical' } });
      cb.disable();
      for (let i = 0; i < 50; i++) assert.equal(call(cb, clock, boom()), true);
      assert.equal(cb.state, CircuitState.DISABLED);
      assert.equal(cb.counters.failure, 50);
    });
  });

  describe('events, history and counters', () => {
    it('tells listeners each transition once, with its cause', () => {
      const { cb, clock, transitions } = breaker();
      for (let i = 0; i < 4; i++) call(cb, clock, boom());
      void cb.state;
      void cb.state;
      clock.advance(1000);
      void cb.state;
      call(cb, clock, 'ok');
      call(cb, clock, 'ok');
      assert.deepEqual(
        transitions.map((t) => `${t.from}>${t.to}`),
        ['CLOSED>OPEN', 'OPEN>HALF_OPEN', 'HALF_OPEN>CLOSED'],
      );
    });

    it('keeps a bounded history of recent errors', () => {
      const { cb, clock } = breaker({ historySize: 3, minimumCalls: 100 });
      for (let i = 0; i < 5; i++) call(cb, clock, new Error(`failure ${i}`));
      const history = cb.history();
      assert.deepEqual(
        history.map((h) => h.message),
        ['Error: failure 2', 'Error: failure 3', 'Error: failure 4'],
      );
      assert.equal(history[0].errorClass, 'unknown');
      assert.equal(history[0].severity, 'record');
    });

    it('counts every outcome', async () => {
      const { cb, clock } = breaker({ minimumCalls: 100, slowCallDurationMs: 50 });
      call(cb, clock, 'ok');
      call(cb, clock, 'ok', 60);
      call(cb, clock, boom());
      call(cb, clock, httpError(422));
      cb.forceOpen();
      await assert.rejects(cb.execute(() => 1));
      assert.deepEqual(cb.counters, { success: 1, slow: 1, failure: 1, ignored: 1, rejected: 1 });
    });

    it('passes the value through execute and records its success', async () => {
      const { cb } = breaker();
      assert.equal(await cb.execute(async () => 42), 42);
      assert.equal(cb.counters.success, 1);
    });
  });
});

describe('classifyError', () => {
  it('reads timeouts, connection failures, HTTP statuses and explicit classes', () => {
    assert.equal(classifyError(Object.assign(new Error('t'), { name: 'TimeoutError' })), 'timeout');
    assert.equal(
      classifyError(new TypeError('fetch failed', { cause: Object.assign(new Error('c'), { code: 'ECONNREFUSED' }) })),
      'connection',
    );
    assert.equal(classifyError(httpError(429)), 'rate-limited');
    assert.equal(classifyError(httpError(502)), 'upstream-5xx');
    assert.equal(classifyError(httpError(404)), 'caller-4xx');
    assert.equal(classifyError(Object.assign(new Error('m'), { errorClass: 'upstream-5xx' })), 'upstream-5xx');
    assert.equal(classifyError(new TaskCancelledError()), 'timeout');
    assert.equal(classifyError('a string'), 'unknown');
  });

  it('lets a custom classifier decide first', () => {
    const { cb, clock } = breaker({ classify: (e) => ((e as Error).message === 'halt' ? 'validation' : undefined) });
    call(cb, clock, new Error('halt'));
    assert.equal(cb.counters.ignored, 1);
  });
});

describe('CircuitBreaker minimum calls', () => {
  it('opens when a success brings the window to its minimum size with the failure rate already over the threshold', () => {
    const { cb, clock } = breaker({ minimumCalls: 4, failureRateThreshold: 50 });
    call(cb, clock, boom());
    call(cb, clock, boom());
    call(cb, clock, boom());
    assert.equal(cb.state, CircuitState.CLOSED);
    call(cb, clock, 'ok');
    assert.equal(cb.state, CircuitState.OPEN, '3 of 4 failed');
  });
});

describe(`${CircuitBreaker.name} with tracing on`, () => {
  it('puts each call in a `breaker <name>` span: the state it met, its outcome and the state it left', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    spans.enable({
      tracer: provider.getTracer('spec'),
      contexts: new AsyncLocalStorageContextManager(),
      propagator: new W3CTraceContextPropagator(),
      shutdown: () => provider.shutdown(),
    });
    try {
      const cb = new CircuitBreaker('upstream', {
        ...DEFAULT_BREAKER_SETTINGS,
        minimumCalls: 1,
        failureRateThreshold: 50,
      });
      assert.equal(await cb.execute(() => 'ok'), 'ok');
      await assert.rejects(
        cb.execute(() => Promise.reject(new Error('upstream 500'))),
        /upstream 500/,
      );
      await assert.rejects(
        cb.execute(() => 'never called'),
        CircuitOpenError,
      );
      const recorded = exporter.getFinishedSpans().map((s) => [s.name, s.attributes]);
      assert.deepEqual(recorded, [
        [
          'breaker upstream',
          {
            'breaker.name': 'upstream',
            'breaker.state': 'CLOSED',
            'breaker.outcome': 'success',
            'breaker.state.after': 'CLOSED',
          },
        ],
        [
          'breaker upstream',
          {
            'breaker.name': 'upstream',
            'breaker.state': 'CLOSED',
            'error.type': 'Error',
            'breaker.outcome': 'failure',
            'breaker.state.after': 'OPEN',
          },
        ],
        [
          'breaker upstream',
          {
            'breaker.name': 'upstream',
            'breaker.state': 'OPEN',
            'error.type': 'CircuitOpenError',
            'breaker.outcome': 'rejected',
            'breaker.state.after': 'OPEN',
          },
        ],
      ]);
    } finally {
      spans.disable();
    }
  });
});
