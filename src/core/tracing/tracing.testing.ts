import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, type Sampler, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Spans } from './spans.js';

/**
 * For specs: `spans` enabled on the real SDK with an in-memory exporter (what otel-sdk.ts builds,
 * minus the network). `stop()` disables it again.
 */
export function inMemoryTracing(
  spans: Spans,
  sampler?: Sampler,
): { exporter: InMemorySpanExporter; stop(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  spans.enable({
    tracer: provider.getTracer('spec'),
    contexts: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  });
  return {
    exporter,
    stop: async () => {
      spans.disable();
      await provider.shutdown();
    },
  };
}
