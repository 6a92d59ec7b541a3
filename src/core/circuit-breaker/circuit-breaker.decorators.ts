import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';

export interface ProtectedMethodOptions {
  /** Name of a method on the same class, called with the original arguments and the error. */
  fallbackMethod?: string;
}

/**
 * Runs the method through the named breaker (created from config on first use):
 * `@CircuitBreakerProtected('broker', { fallbackMethod: 'cachedPositions' })`.
 */
export function CircuitBreakerProtected(name: string, options: ProtectedMethodOptions = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(CIRCUIT_BREAKER_METADATA, { name, ...options }, descriptor.value as object);
    return descriptor;
  };
}
