import { type BreakerTuning, DEFAULT_TUNING } from './breaker-tuning.js';
import type { ErrorClass, Severity } from './error-classification.js';

export enum CircuitState {
  CLOSED = 'CLOSED',
  OPEN = 'OPEN',
  HALF_OPEN = 'HALF_OPEN',
  DISABLED = 'DISABLED',
  FORCED_OPEN = 'FORCED_OPEN',
}

/** A breaker's settings: its tuning (see BreakerTuning), and what only code sets. */
export interface BreakerSettings extends Omit<BreakerTuning, 'failReadinessWhenOpen'> {
  /** Recent errors kept for operators. */
  historySize: number;
  /** Runs before the built-in classification; return undefined to fall through. */
  classify?: (error: unknown) => ErrorClass | undefined;
}

const { failReadinessWhenOpen: _registryOnly, ...tuningDefaults } = DEFAULT_TUNING;

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = { ...tuningDefaults, historySize: 20 };

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
