import {
  BulkheadRejectedError,
  bulkhead,
  ExponentialBackoff,
  handleWhen,
  retry,
  TimeoutStrategy,
  timeout,
  type BulkheadPolicy,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { AppError, ErrorCode } from '../common/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { CircuitOpenError } from './circuit-breaker.errors.js';
import { BackpressureGate } from './backpressure.js';
import { classifyError } from './error-classification.js';

export interface PolicyOptions {
  /** Bound of one attempt; the function's signal is aborted then. */
  timeoutMs: number;
  /** Attempts after the first (0 = none). Only timeouts, connection and 5xx errors are retried. */
  retries: number;
  /** Calls in flight at once, and queued behind them; unset = no limit. */
  bulkhead?: { limit: number; queue: number };
  /** First retry delay; grows exponentially with decorrelated jitter. */
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
}

// A 429 is not retried at once: the gate spaces calls by the provider's Retry-After instead.
const RETRYABLE = new Set(['timeout', 'connection', 'upstream-5xx']);

/** The provider asked for fewer calls: none is made before `retryAfterSeconds`. */
export class BackpressureError extends AppError {
  constructor(name: string, waitMs: number) {
    super(ErrorCode.DEPENDENCY_UNAVAILABLE, `${name} asked for fewer calls`, {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
    this.name = 'BackpressureError';
  }
}

/**
 * bulkhead( gate( retry( breaker( timeout( fn ) ) ) ) ): each attempt passes the breaker, so an
 * opening breaker stops the retries at once; a provider's 429 pauses the gate (BackpressureGate)
 * rather than counting toward the breaker. Timeout, retry and bulkhead are cockatiel's.
 */
export class ResiliencePolicy {
  private readonly timeout: TimeoutPolicy;
  private readonly retry: RetryPolicy;
  private readonly bulkhead?: BulkheadPolicy;
  readonly gate: BackpressureGate;

  constructor(
    readonly breaker: CircuitBreaker,
    options: PolicyOptions,
    now?: () => number,
  ) {
    this.gate = new BackpressureGate(now);
    this.timeout = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
    this.retry = retry(
      handleWhen((error) => !(error instanceof CircuitOpenError) && RETRYABLE.has(classifyError(error))),
      {
        maxAttempts: options.retries,
        backoff: new ExponentialBackoff({
          initialDelay: options.retryInitialDelayMs ?? 50,
          maxDelay: options.retryMaxDelayMs ?? 1000,
        }),
      },
    );
    if (options.bulkhead) this.bulkhead = bulkhead(options.bulkhead.limit, options.bulkhead.queue);
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const attempt = async () => {
      const waitMs = this.gate.waitMs();
      if (waitMs > 0) throw new BackpressureError(this.breaker.name, waitMs);
      try {
        return await this.retry.execute(() =>
          this.breaker.execute(() => this.timeout.execute((_context, signal) => fn(signal))),
        );
      } catch (error) {
        if (classifyError(error) === 'rate-limited') this.gate.refused(retryAfterMsOf(error));
        throw error;
      }
    };
    if (!this.bulkhead) return attempt();
    try {
      return await this.bulkhead.execute(attempt);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `bulkhead of ${this.breaker.name} is full`, {
          retryAfterSeconds: 1,
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** An error's own `retryAfterMs` (an adapter reads the provider's Retry-After into it). */
function retryAfterMsOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
