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
import { classifyError } from './error-classification.js';

export interface PolicyOptions {
  /** Bound of one attempt; the function's signal is aborted then. */
  timeoutMs: number;
  /** Attempts after the first (0 = none). Only timeouts, connection, 429 and 5xx errors are retried. */
  retries: number;
  /** Calls in flight at once, and queued behind them; unset = no limit. */
  bulkhead?: { limit: number; queue: number };
  /** First retry delay; grows exponentially with decorrelated jitter. */
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
}

const RETRYABLE = new Set(['timeout', 'connection', 'rate-limited', 'upstream-5xx']);

/**
 * bulkhead( retry( breaker( timeout( fn ) ) ) ): each attempt passes the breaker, so an opening
 * breaker stops the retries at once; timeout, retry and bulkhead are cockatiel's.
 */
export class ResiliencePolicy {
  private readonly timeout: TimeoutPolicy;
  private readonly retry: RetryPolicy;
  private readonly bulkhead?: BulkheadPolicy;

  constructor(
    readonly breaker: CircuitBreaker,
    options: PolicyOptions,
  ) {
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
    const attempt = () =>
      this.retry.execute(() => this.breaker.execute(() => this.timeout.execute((_context, signal) => fn(signal))));
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
