import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { samplerFor } from './sampler.js';
import type { TracingConfig } from './tracing.config.js';
import type { TracingEngine } from './tracing-engine.js';

/**
 * Builds the SDK: OTLP/HTTP JSON exporter, a batch processor with a bounded queue (a full queue
 * drops spans, a dead or slow collector only delays the background export), the configured
 * sampler, an AsyncLocalStorage context manager and the W3C propagator. Nothing is registered
 * globally: the seams reach it through Spans only. Loaded by a dynamic import, when tracing is on.
 */
export function startOtelSdk(config: TracingConfig & { tracesUrl: string }): TracingEngine {
  const exporter = new OTLPTraceExporter({
    url: config.tracesUrl,
    headers: config.headers,
    timeoutMillis: config.exportTimeoutMs,
    // Exports in flight at once: a hanging collector holds at most these, never the queue.
    concurrencyLimit: 2,
  });
  const processor = new BatchSpanProcessor({
    exporter,
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduleDelayMs,
    exportTimeoutMillis: config.exportTimeoutMs,
  });
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName })),
    sampler: samplerFor(config.sampler, config.samplerRatio),
    spanProcessors: [processor],
  });
  return {
    tracer: provider.getTracer('trading-service-core'),
    contexts: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      try {
        await Promise.race([provider.forceFlush({ timeoutMillis: timeoutMs }).catch(() => undefined), bound]);
        // Stops the processor's timer and the exporter's agent; what is still queued is dropped.
        await Promise.race([provider.shutdown().catch(() => undefined), bound]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
