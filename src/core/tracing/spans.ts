import {
  type Attributes,
  type Context,
  INVALID_SPAN_CONTEXT,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { secretRedactor } from '../common/index.js';
import type { TracingEngine } from './tracing-engine.js';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** A new trace, whatever is active (background work a request merely woke). */
  root?: boolean;
}

/** Handed to `fn` while tracing is off: one shared object, nothing recorded. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const MESSAGE_MAX = 300;

const setter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};
const getter = {
  keys: (carrier: Record<string, string | string[] | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
};

// The links a span carries at most (the SDK's default limit).
const MAX_LINKS = 128;

/**
 * The one door of our code to the tracer: spans at our own seams (the request, the command, pg,
 * Redis, the breaker, the outbound call), the active span's ids, and W3C `traceparent` in and
 * out. Off (no engine) until the TracingModule's provider loads the SDK; a seam on a hot path
 * checks `on` first, so tracing off creates no span and no context.
 */
export class Spans {
  private engine?: TracingEngine;

  get on(): boolean {
    return this.engine !== undefined;
  }

  enable(engine: TracingEngine): void {
    engine.contexts.enable();
    this.engine = engine;
  }

  disable(): void {
    this.engine?.contexts.disable();
    this.engine = undefined;
  }

  /**
   * Runs `fn` in a new span, a child of the active one (or a root), and ends the span when `fn`
   * settles; a rejection marks it ERROR with the error's type and its scrubbed message.
   */
  async run<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
    const engine = this.engine;
    if (engine === undefined) return fn(NO_SPAN);
    const parent = options.root ? ROOT_CONTEXT : engine.contexts.active();
    const span = engine.tracer.startSpan(name, { kind: options.kind, links: options.links }, parent);
    // Unsampled: nothing to record, so no attributes to clean and no context to enter; work below
    // stays in the parent's context, which carries the same trace id and sampled flag (~2x cheaper).
    // A root still enters its own: its children belong to its trace, not to whatever was active.
    if (!span.isRecording())
      return options.root ? engine.contexts.with(trace.setSpan(ROOT_CONTEXT, span), () => fn(span)) : fn(span);
    if (options.attributes !== undefined) span.setAttributes(options.attributes);
    try {
      return await engine.contexts.with(trace.setSpan(parent, span), () => fn(span));
    } catch (error) {
      this.failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * A server span continuing the caller's trace (its `traceparent`, if any), and the context to
   * run the request in. The caller ends the span. Undefined while off.
   */
  startServer(
    name: string,
    headers: Record<string, string | string[] | undefined>,
    attributes: Attributes,
  ): { span: Span; context: Context } | undefined {
    const engine = this.engine;
    if (engine === undefined) return undefined;
    const parent = engine.propagator.extract(ROOT_CONTEXT, headers, getter);
    const span = engine.tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) span.setAttributes(attributes);
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Runs `fn` with `context` active (a request's, from startServer). */
  within<T>(context: Context, fn: () => T): T {
    return this.engine === undefined ? fn() : this.engine.contexts.with(context, fn);
  }

  /** Writes the active span's `traceparent` (and `tracestate`) into outbound `headers`. */
  inject(headers: Record<string, string>): void {
    this.engine?.propagator.inject(this.engine.contexts.active(), headers, setter);
  }

  /** The active span's `traceparent`, to keep beside work done later (a journal entry). */
  traceparent(): string | undefined {
    if (this.engine === undefined || !trace.getSpan(this.engine.contexts.active())) return undefined;
    const carrier: Record<string, string> = {};
    this.inject(carrier);
    return carrier.traceparent;
  }

  /** Links to the spans these traceparents name (the invalid and absent skipped), at most the SDK's default 128. */
  linksToEach(traceparents: Iterable<string | null | undefined>): Link[] {
    const links: Link[] = [];
    for (const traceparent of traceparents) {
      if (links.length >= MAX_LINKS) break;
      links.push(...this.linksTo(traceparent ?? undefined));
    }
    return links;
  }

  /** A link to the span that `traceparent` names, or none when it names nothing valid. */
  linksTo(traceparent: string | undefined): Link[] {
    if (this.engine === undefined || !traceparent) return [];
    const context = trace.getSpanContext(this.engine.propagator.extract(ROOT_CONTEXT, { traceparent }, getter));
    return context && trace.isSpanContextValid(context) ? [{ context }] : [];
  }

  /** The trace id of the active span, for logs and error bodies. */
  traceId(): string | undefined {
    if (this.engine === undefined) return undefined;
    const context = trace.getSpanContext(this.engine.contexts.active());
    return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
  }

  /** Marks `span` failed by `error`: its type and a scrubbed, bounded message (never a stack). */
  failed(span: Span, error: unknown): void {
    const type = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    span.setAttribute('error.type', type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: secretRedactor.scrub(message).slice(0, MESSAGE_MAX) });
  }
}

/** The process's seams share one Spans, as the OpenTelemetry API shares its globals. */
export const spans = new Spans();
