export { CircuitBreakerModule } from './circuit-breaker.module.js';
export { CircuitBreakerRegistry, type ExecuteOptions } from './circuit-breaker.registry.js';
export { CircuitBreaker } from './circuit-breaker.js';
export {
  CircuitState,
  DEFAULT_BREAKER_SETTINGS,
  type BreakerSettings,
  type StateTransition,
  type RecordedError,
} from './circuit-breaker.types.js';
export { BreakerTuning } from './breaker-tuning.js';
export { CircuitOpenError } from './circuit-breaker.errors.js';
export { CircuitBreakerProtected, type ProtectedMethodOptions } from './circuit-breaker.decorators.js';
export { classifyError, type ErrorClass, type Severity, type ClassifiedError } from './error-classification.js';
export { TimeWindow, type WindowSnapshot } from './sliding-window.js';
export { BackpressureError, ResiliencePolicy, type PolicyOptions } from './resilience.policy.js';
export { circuitBreakerConfig, CircuitBreakerEnv } from './circuit-breaker.config.js';
