import { Listeners, secretRedactor } from '../common/index.js';
import { spans } from '../tracing/index.js';
import { CircuitOpenError } from './circuit-breaker.errors.js';
import {
  type BreakerCounters,
  type BreakerSettings,
  type CallOutcome,
  CircuitState,
  DEFAULT_BREAKER_SETTINGS,
  type RecordedError,
  type StateTransition,
} from './circuit-breaker.types.js';
import { classifyError, DEFAULT_SEVERITY, type ErrorClass, type Severity } from './error-classification.js';
import { CountWindow, type SlidingWindow, TimeWindow } from './sliding-window.js';

// Monotonic, sub-millisecond, on the epoch scale (time windows bucket by second). timeOrigin is
// read once: it is a getter, and reading it per call doubled the cost of a call.
const ORIGIN = performance.timeOrigin;
const wallClock = (): number => ORIGIN + performance.now();

/**
 * A circuit breaker as Resilience4j defines one, as a plain class with an injected clock:
 * count- or time-based sliding window, failure-rate and slow-call-rate thresholds, minimum calls,
 * N trial calls in HALF_OPEN, OPEN -> HALF_OPEN after a wait that can grow on repeated opens,
 * DISABLED and FORCED_OPEN, plus error classes with severities (ignored, recorded, critical).
 */
export class CircuitBreaker {
  private current = CircuitState.CLOSED;
  private readonly window: SlidingWindow;
  private openUntil = 0;
  private consecutiveOpens = 0;
  private trialsStarted = 0;
  private trialsDone = 0;
  private slowTrials = 0;
  // A listener's bug must not break the breaker.
  private readonly listeners = new Listeners<StateTransition>();
  private readonly errors: RecordedError[] = [];
  readonly counters: BreakerCounters = { success: 0, slow: 0, failure: 0, ignored: 0, rejected: 0 };
  /** Called after every permitted call with its duration; the metrics hook. */
  onCallComplete?: (durationMs: number, outcome: CallOutcome) => void;

  constructor(
    readonly name: string,
    readonly settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS,
    private readonly now: () => number = wallClock,
  ) {
    this.window =
      settings.windowType === 'count' ? new CountWindow(settings.windowSize) : new TimeWindow(settings.windowSize);
  }

  /** The state as it stands; reading it changes nothing (time moves it only through advance()). */
  get state(): CircuitState {
    return this.current;
  }

  /**
   * Applies what time alone changes: OPEN becomes HALF_OPEN once its wait has elapsed. Runs before
   * each call asks for permission (tryAcquire); returns the state a call would meet now.
   */
  advance(): CircuitState {
    if (this.current === CircuitState.OPEN && this.now() >= this.openUntil) {
      this.transition(CircuitState.HALF_OPEN, 'wait in open elapsed');
    }
    return this.current;
  }

  /** Runs `fn` if the breaker permits, recording its outcome; else rejects with CircuitOpenError. */
  execute<T>(fn: () => Promise<T> | T): Promise<T> {
    return spans.on ? this.traced(fn) : this.guarded(fn);
  }

  /** A `breaker <name>` span: the state the call met, its outcome, and the state it left. */
  private traced<T>(fn: () => Promise<T> | T): Promise<T> {
    return spans.run(
      `breaker ${this.name}`,
      { attributes: { 'breaker.name': this.name, 'breaker.state': this.current } },
      async (span) => {
        try {
          const result = await this.guarded(fn);
          span.setAttribute('breaker.outcome', 'success');
          return result;
        } catch (error) {
          span.setAttribute('breaker.outcome', error instanceof CircuitOpenError ? 'rejected' : 'failure');
          throw error;
        } finally {
          span.setAttribute('breaker.state.after', this.current);
        }
      },
    );
  }

  private guarded<T>(fn: () => Promise<T> | T): Promise<T> {
    // CLOSED is checked inline: the common case skips the state machine entirely.
    if (this.current !== CircuitState.CLOSED && !this.tryAcquire()) return Promise.reject(this.rejection());
    const started = this.now();
    let pending: Promise<T> | T;
    try {
      pending = fn();
    } catch (error) {
      const ended = this.now();
      this.failed(ended - started, ended, error);
      return Promise.reject(error);
    }
    return Promise.resolve(pending).then(
      (result) => {
        const ended = this.now();
        this.succeeded(ended - started, ended);
        return result;
      },
      (error: unknown) => {
        const ended = this.now();
        this.failed(ended - started, ended, error);
        throw error;
      },
    );
  }

  /** Asks for permission to call; a caller that gets `true` must report onSuccess or onError. */
  tryAcquire(): boolean {
    const state = this.advance();
    switch (state) {
      case CircuitState.CLOSED:
      case CircuitState.DISABLED:
        return true;
      case CircuitState.HALF_OPEN:
        if (this.trialsStarted < this.settings.halfOpenCalls) {
          this.trialsStarted += 1;
          return true;
        }
        return this.reject();
      case CircuitState.OPEN:
      case CircuitState.FORCED_OPEN:
        return this.reject();
      default: {
        const unreachable: never = state;
        throw new Error(`unknown state ${String(unreachable)}`);
      }
    }
  }

  onSuccess(durationMs: number): void {
    this.succeeded(durationMs, this.now());
  }

  onError(durationMs: number, error: unknown): void {
    this.failed(durationMs, this.now(), error);
  }

  private succeeded(durationMs: number, now: number): void {
    const slow = durationMs >= this.settings.slowCallDurationMs;
    this.count(slow ? 'slow' : 'success', durationMs);
    if (this.current === CircuitState.CLOSED) {
      this.window.record(now, false, slow);
      // A fast success lowers both rates: it can open the breaker only by bringing the window to
      // its minimum size (the count grows one call at a time, so it passes that size exactly).
      if (slow || this.window.snapshot(now).total === this.settings.minimumCalls) this.evaluate(now);
    } else if (this.current === CircuitState.HALF_OPEN) {
      this.trialsDone += 1;
      if (slow) this.slowTrials += 1;
      if (this.trialsDone >= this.settings.halfOpenCalls) this.concludeTrials();
    }
  }

  private failed(durationMs: number, now: number, error: unknown): void {
    const errorClass = this.settings.classify?.(error) ?? classifyError(error);
    const severity = this.settings.severity[errorClass] ?? DEFAULT_SEVERITY[errorClass];
    if (severity === 'ignore') {
      this.count('ignored', durationMs);
      // An ignored error says nothing about the dependency: give the trial permit back.
      if (this.current === CircuitState.HALF_OPEN) this.trialsStarted -= 1;
      return;
    }
    this.count('failure', durationMs);
    this.remember(errorClass, severity, error);
    if (this.current === CircuitState.DISABLED) return;
    if (severity === 'critical' && (this.current === CircuitState.CLOSED || this.current === CircuitState.HALF_OPEN)) {
      this.open(`critical error (${errorClass})`);
    } else if (this.current === CircuitState.CLOSED) {
      this.window.record(now, true, durationMs >= this.settings.slowCallDurationMs);
      this.evaluate(now);
    } else if (this.current === CircuitState.HALF_OPEN) {
      this.open(`trial call failed (${errorClass})`);
    }
  }

  /** Milliseconds until an OPEN breaker lets a trial call through (0 otherwise). */
  retryAfterMs(): number {
    return this.current === CircuitState.OPEN ? Math.max(0, this.openUntil - this.now()) : 0;
  }

  forceOpen(cause = 'forced open by an operator'): void {
    this.transition(CircuitState.FORCED_OPEN, cause);
  }

  disable(cause = 'disabled by an operator'): void {
    this.transition(CircuitState.DISABLED, cause);
  }

  /** Back to CLOSED with an empty window and no backoff memory. */
  reset(cause = 'reset by an operator'): void {
    this.window.reset();
    this.consecutiveOpens = 0;
    this.transition(CircuitState.CLOSED, cause);
  }

  onStateChange(listener: (t: StateTransition) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Rates of the current window, in percent. */
  metrics(): { calls: number; failureRate: number; slowCallRate: number } {
    const { total, failures, slow } = this.window.snapshot(this.now());
    return {
      calls: total,
      failureRate: total ? (100 * failures) / total : 0,
      slowCallRate: total ? (100 * slow) / total : 0,
    };
  }

  history(): readonly RecordedError[] {
    return [...this.errors];
  }

  private rejection(): CircuitOpenError {
    return new CircuitOpenError(this.name, this.current, this.retryAfterMs() || this.settings.waitInOpenMs);
  }

  private reject(): false {
    this.counters.rejected += 1;
    return false;
  }

  private count(outcome: CallOutcome, durationMs: number): void {
    this.counters[outcome] += 1;
    if (this.onCallComplete !== undefined) this.onCallComplete(durationMs, outcome);
  }

  private evaluate(now: number): void {
    const { total, failures, slow } = this.window.snapshot(now);
    if (total < this.settings.minimumCalls) return;
    const failureRate = (100 * failures) / total;
    const slowRate = (100 * slow) / total;
    if (failureRate >= this.settings.failureRateThreshold) {
      this.open(
        `failure rate ${failureRate.toFixed(1)}% >= ${this.settings.failureRateThreshold}% over ${total} calls`,
      );
    } else if (slowRate >= this.settings.slowCallRateThreshold) {
      this.open(
        `slow-call rate ${slowRate.toFixed(1)}% >= ${this.settings.slowCallRateThreshold}% over ${total} calls`,
      );
    }
  }

  private concludeTrials(): void {
    const slowRate = (100 * this.slowTrials) / this.trialsDone;
    if (slowRate >= this.settings.slowCallRateThreshold) this.open(`trial calls slow (${slowRate.toFixed(0)}%)`);
    else {
      this.consecutiveOpens = 0;
      this.window.reset();
      this.transition(CircuitState.CLOSED, `${this.trialsDone} trial calls succeeded`);
    }
  }

  private open(cause: string): void {
    this.consecutiveOpens += 1;
    const { waitInOpenMs, waitBackoffMultiplier, maxWaitInOpenMs } = this.settings;
    const wait = Math.min(maxWaitInOpenMs, waitInOpenMs * waitBackoffMultiplier ** (this.consecutiveOpens - 1));
    this.openUntil = this.now() + wait;
    this.window.reset();
    this.transition(CircuitState.OPEN, `${cause}; retry in ${Math.round(wait)} ms`);
  }

  private transition(to: CircuitState, cause: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    if (to === CircuitState.HALF_OPEN) this.trialsStarted = this.trialsDone = this.slowTrials = 0;
    const event: StateTransition = { breaker: this.name, from, to, cause, at: this.now() };
    this.listeners.emit(event);
  }

  private remember(errorClass: ErrorClass, severity: Severity, error: unknown): void {
    const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.errors.push({ at: this.now(), errorClass, severity, message: secretRedactor.scrub(raw).slice(0, 300) });
    if (this.errors.length > this.settings.historySize) this.errors.shift();
  }
}
