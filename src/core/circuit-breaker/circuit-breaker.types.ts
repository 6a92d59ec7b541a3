import type { ErrorClass, Severity } from './error-classification.js';

export enum CircuitState {
  CLOSED = 'CLOSED',
  OPEN = 'OPEN',
  HALF_OPEN = 'HALF_OPEN',
  DISABLED = 'DISABLED',
  FORCED_OPEN = 'FORCED_OPEN',
}

export interface BreakerSettings {
  windowType: 'count' | 'time';
  /** Calls (count window) or seconds (time window). */
  windowSize: number;
  /** Calls in the window before the rates may open the breaker. */
  minimumCalls: number;
  /** Percent of failed calls that opens the breaker. */
  failureRateThreshold: number;
  /** Percent of slow calls that opens the breaker. */
  slowCallRateThreshold: number;
  slowCallDurationMs: number;
  waitInOpenMs: number;
  /** Each consecutive open multiplies the wait by this (1 = no backoff), up to maxWaitInOpenMs. */
  waitBackoffMultiplier: number;
  maxWaitInOpenMs: number;
  /** Trial calls let through in HALF_OPEN. */
  halfOpenCalls: number;
  /** Recent errors kept for operators. */
  historySize: number;
  severity: Partial<Record<ErrorClass, Severity>>;
  /** Runs before the built-in classification; return undefined to fall through. */
  classify?: (error: unknown) => ErrorClass | undefined;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  windowType: 'count',
  windowSize: 100,
  minimumCalls: 10,
  failureRateThreshold: 50,
  slowCallRateThreshold: 100,
  slowCallDurationMs: 2000,
  waitInOpenMs: 10_000,
  waitBackoffMultiplier: 1,
  maxWaitInOpenMs: 300_000,
  halfOpenCalls: 3,
  historySize: 20,
  severity: {},
};

export interface StateTransition {
  breaker: string;
  from: CircuitState;
  to: CircuitState;
  cause: string;
  at: number;
}

export interface RecordedError {
  at: number;
  errorClass: ErrorClass;
  severity: Severity;
  message: string;
}

export type CallOutcome = 'success' | 'slow' | 'failure' | 'ignored' | 'rejected';

export interface BreakerCounters {
  success: number;
  slow: number;
  failure: number;
  ignored: number;
  rejected: number;
}
