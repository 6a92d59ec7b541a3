import { type Context, type Span, SpanStatusCode } from '@opentelemetry/api';
import type { Spans } from './spans.js';

/** A request's server span and the context its handling runs in. */
export interface RequestSpan {
  readonly span: Span;
  readonly context: Context;
  readonly traceId: string;
}

/** What the request pipeline knows of a request when it starts. */
export interface RequestStart {
  method: string;
  /** The route template (`/orders/:id`), undefined when no route matched. */
  route: string | undefined;
  /** The raw URL, query string included: only its path is recorded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The HTTP server span of each request, named `METHOD /route/:template` (the method alone when no
 * route matched, so names stay few), with the stable HTTP semantic conventions. No header is
 * recorded (Authorization and cookies never reach a span) and the query string is left out.
 */
export class RequestSpans {
  constructor(private readonly spans: Spans) {}

  start(request: RequestStart): RequestSpan | undefined {
    const query = request.url.indexOf('?');
    const started = this.spans.startServer(
      request.route === undefined ? request.method : `${request.method} ${request.route}`,
      request.headers,
      {
        'http.request.method': request.method,
        'url.path': query < 0 ? request.url : request.url.slice(0, query),
        'url.scheme': 'http',
        ...(request.route !== undefined && { 'http.route': request.route }),
      },
    );
    if (started === undefined) return undefined;
    return { ...started, traceId: started.span.spanContext().traceId };
  }

  end(request: RequestSpan, statusCode: number, completed: boolean): void {
    request.span.setAttribute('http.response.status_code', statusCode);
    // A 4xx is the caller's: only our own failures, and answers never sent, mark the span ERROR.
    if (statusCode >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
    else if (!completed) request.span.setStatus({ code: SpanStatusCode.ERROR, message: 'response not completed' });
    request.span.end();
  }
}
