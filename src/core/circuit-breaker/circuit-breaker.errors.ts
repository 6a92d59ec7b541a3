import { AppError, ErrorCode } from '../common/index.js';

/** Thrown without calling the dependency when a breaker rejects a call; the filter answers 503 + Retry-After. */
export class CircuitOpenError extends AppError {
  constructor(
    readonly breaker: string,
    readonly state: string,
    retryAfterMs: number,
  ) {
    super(ErrorCode.CIRCUIT_OPEN, `circuit breaker "${breaker}" is ${state}`, {
      retryAfterSeconds: Math.max(1, retryAfterMs / 1000),
    });
    this.name = 'CircuitOpenError';
  }
}
