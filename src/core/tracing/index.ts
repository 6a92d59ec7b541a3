export { TracingModule } from './tracing.module.js';
export { spans, Spans, type SpanOptions } from './spans.js';
export { RequestSpans, type RequestSpan, type RequestStart } from './request-spans.js';
export { tracingConfig, type TracingConfig } from './tracing.config.js';
export { SpanKind, type Span } from '@opentelemetry/api';
