/** The SDK engine, or null while tracing is off. */
export const TRACING_ENGINE = Symbol('TRACING_ENGINE');
