import type { ContextManager, TextMapPropagator, Tracer } from '@opentelemetry/api';

/** What the SDK gives the seams once tracing is on: built by otel-sdk.ts, held by Spans. */
export interface TracingEngine {
  readonly tracer: Tracer;
  readonly contexts: ContextManager;
  readonly propagator: TextMapPropagator;
  /** Exports what is queued, for at most `timeoutMs`, then stops the exporter. Never rejects. */
  shutdown(timeoutMs: number): Promise<void>;
}
