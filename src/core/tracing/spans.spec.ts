import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, type Sampler, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { secretRedactor } from '../common/index.js';
import { RequestSpans } from './request-spans.js';
import { samplerFor } from './sampler.js';
import { Spans } from './spans.js';

/** The real SDK with an in-memory exporter: what otel-sdk.ts builds, minus the network. */
function traced(sampler?: Sampler): { spans: Spans; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const spans = new Spans();
  spans.enable({
    tracer: provider.getTracer('spec'),
    contexts: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  });
  return { spans, exporter };
}

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(Spans.name, () => {
  it('off: runs the function with no span, and has no ids, links or server span', async () => {
    const spans = new Spans();
    assert.equal(spans.on, false);
    assert.equal(await spans.run('x', {}, (span) => span.isRecording()), false);
    await assert.rejects(
      spans.run('x', {}, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(spans.traceparent(), undefined);
    assert.equal(spans.traceId(), undefined);
    assert.deepEqual(spans.linksTo(CALLER), []);
    assert.equal(spans.startServer('GET', { traceparent: CALLER }, {}), undefined);
    const headers: Record<string, string> = {};
    spans.inject(headers);
    assert.deepEqual(headers, {});
  });

  it('nests spans through awaits: a child has its parent, a root starts a trace of its own', async () => {
    const { spans, exporter } = traced();
    await spans.run('outer', {}, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await spans.run('inner', { kind: SpanKind.CLIENT, attributes: { a: 1 } }, async () => undefined);
      await spans.run('detached', { root: true }, async () => undefined);
    });
    const [inner, detached, outer] = exporter.getFinishedSpans();
    assert.deepEqual([inner.name, detached.name, outer.name], ['inner', 'detached', 'outer']);
    assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
    assert.equal(inner.spanContext().traceId, outer.spanContext().traceId);
    assert.equal(inner.kind, SpanKind.CLIENT);
    assert.equal(inner.attributes.a, 1);
    assert.equal(detached.parentSpanContext, undefined);
    assert.notEqual(detached.spanContext().traceId, outer.spanContext().traceId);
  });

  it('marks a failed span ERROR with the error type and a scrubbed message, and rethrows', async () => {
    secretRedactor.register(['s3cr3t-password']);
    const { spans, exporter } = traced();
    class PgError extends Error {
      override name = 'PgError';
    }
    await assert.rejects(
      spans.run('pg', {}, async () => {
        throw new PgError('auth failed for postgres://u:s3cr3t-password@db');
      }),
      PgError,
    );
    const [span] = exporter.getFinishedSpans();
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'PgError');
    assert.equal(span.status.message, 'auth failed for postgres://u:***@db');
    assert.equal(span.events.length, 0, 'no exception event: no stack leaves the process');
  });

  it("continues a caller's traceparent in a server span, and gives its ids to the work run within it", async () => {
    const { spans, exporter } = traced();
    const server = spans.startServer('GET /x', { traceparent: CALLER }, { 'http.route': '/x' });
    assert.ok(server);
    const seen = await spans.within(server.context, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { traceId: spans.traceId(), traceparent: spans.traceparent() };
    });
    server.span.end();
    const [span] = exporter.getFinishedSpans();
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(span.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(seen.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(seen.traceparent, `00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`);
    assert.equal(spans.traceId(), undefined, 'nothing active outside');
  });

  it('ignores a malformed traceparent: a new trace starts', () => {
    const { spans } = traced();
    const server = spans.startServer('GET', { traceparent: '00-zz-yy-01' }, {});
    assert.ok(server);
    assert.equal(trace.isSpanContextValid(server.span.spanContext()), true);
    assert.notEqual(server.span.spanContext().traceId, '0'.repeat(32));
  });

  it('links to the span a stored traceparent names, and to nothing for a missing or invalid one', async () => {
    const { spans } = traced();
    const stored = await spans.run('journaled', {}, async () => spans.traceparent());
    const [link] = spans.linksTo(stored);
    assert.equal(`00-${link.context.traceId}-${link.context.spanId}-01`, stored);
    assert.deepEqual(spans.linksTo(undefined), []);
    assert.deepEqual(spans.linksTo('garbage'), []);
    assert.deepEqual(spans.linksTo(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`), []);
  });

  it("unsampled: records nothing and keeps the parent's context, so the trace id and the 00 flag still propagate", async () => {
    const { spans, exporter } = traced(samplerFor('parentbased_traceidratio', 0));
    const server = spans.startServer('GET', { traceparent: CALLER.replace(/-01$/, '-00') }, { 'http.route': '/x' });
    assert.ok(server);
    assert.equal(server.span.isRecording(), false);
    const seen = await spans.within(server.context, () =>
      spans.run('inner', { attributes: { a: 1 } }, async (span) => ({
        recording: span.isRecording(),
        traceparent: spans.traceparent(),
        traceId: spans.traceId(),
      })),
    );
    server.span.end();
    assert.deepEqual(seen, {
      recording: false,
      traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${server.span.spanContext().spanId}-00`,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  it('injects traceparent into outbound headers, keeping the others', async () => {
    const { spans } = traced();
    const headers: Record<string, string> = { accept: 'application/json' };
    const spanId = await spans.run('call', {}, async (span) => {
      spans.inject(headers);
      return span.spanContext().spanId;
    });
    assert.equal(headers.accept, 'application/json');
    assert.match(headers.traceparent, new RegExp(`^00-[0-9a-f]{32}-${spanId}-01$`));
  });
});

describe(RequestSpans.name, () => {
  it('names the span by method and route template, records the path without its query, and the status', () => {
    const { spans, exporter } = traced();
    const requests = new RequestSpans(spans);
    const started = requests.start({
      method: 'GET',
      route: '/items/:id',
      url: '/items/42?token=abc',
      headers: { authorization: 'Bearer x', traceparent: CALLER },
    });
    assert.ok(started);
    assert.equal(started.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    requests.end(started, 404, true);
    const unmatched = requests.start({ method: 'POST', route: undefined, url: '/nowhere', headers: {} });
    assert.ok(unmatched);
    requests.end(unmatched, 503, true);
    const [found, failed] = exporter.getFinishedSpans();
    assert.equal(found.name, 'GET /items/:id');
    assert.deepEqual(found.attributes, {
      'http.request.method': 'GET',
      'url.path': '/items/42',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'http.response.status_code': 404,
    });
    assert.equal(found.status.code, SpanStatusCode.UNSET, "a 4xx is the caller's");
    assert.equal(failed.name, 'POST', 'no route: the method alone, so names stay few');
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
  });

  it('marks a response never completed (client gone) as ERROR', () => {
    const { spans, exporter } = traced();
    const requests = new RequestSpans(spans);
    const started = requests.start({ method: 'GET', route: '/x', url: '/x', headers: {} });
    assert.ok(started);
    requests.end(started, 200, false);
    assert.equal(exporter.getFinishedSpans()[0].status.code, SpanStatusCode.ERROR);
  });

  it('starts nothing while tracing is off', () => {
    assert.equal(
      new RequestSpans(new Spans()).start({ method: 'GET', route: '/x', url: '/x', headers: {} }),
      undefined,
    );
  });
});

describe(samplerFor.name, () => {
  /** Whether a server span, a root or a child of a caller sampled (`01`) or not (`00`), is recorded. */
  const sampled = (sampler: Sampler, callerFlags?: '00' | '01') => {
    const { spans, exporter } = traced(sampler);
    const headers = callerFlags ? { traceparent: `${CALLER.slice(0, -2)}${callerFlags}` } : {};
    spans.startServer('x', headers, {})?.span.end();
    return exporter.getFinishedSpans().length === 1;
  };

  it('samples every root at ratio 1 and none at ratio 0, or always on or off', () => {
    assert.equal(sampled(samplerFor('traceidratio', 1)), true);
    assert.equal(sampled(samplerFor('traceidratio', 0)), false);
    assert.equal(sampled(samplerFor('always_on', 0)), true);
    assert.equal(sampled(samplerFor('always_off', 1)), false);
  });

  it("parent-based: follows the caller's sampled flag, and the ratio for a root", () => {
    const ratioZero = samplerFor('parentbased_traceidratio', 0);
    assert.equal(sampled(ratioZero), false, 'a root at ratio 0');
    assert.equal(sampled(ratioZero, '01'), true, 'a sampled caller is followed');
    assert.equal(sampled(samplerFor('parentbased_always_on', 1), '00'), false, 'an unsampled one too');
    assert.equal(sampled(samplerFor('parentbased_always_off', 1)), false);
    assert.equal(sampled(samplerFor('traceidratio', 0), '01'), false, 'not parent-based: the ratio decides');
  });

  it('keeps a span linked to a sampled span (a replay of a sampled request) at any ratio, but not under always_off', async () => {
    const linked = async (sampler: Sampler, flags: '00' | '01') => {
      const { spans, exporter } = traced(sampler);
      const links = spans.linksTo(`${CALLER.slice(0, -2)}${flags}`);
      assert.equal(links.length, 1);
      await spans.run('journal.replay', { root: true, links }, async () =>
        spans.run('command item.create', {}, async () => undefined),
      );
      return exporter.getFinishedSpans().map((s) => s.name);
    };
    assert.deepEqual(await linked(samplerFor('parentbased_traceidratio', 0), '01'), [
      'command item.create',
      'journal.replay',
    ]);
    assert.deepEqual(
      await linked(samplerFor('traceidratio', 0), '01'),
      ['journal.replay'],
      'no link of its own: the ratio',
    );
    assert.deepEqual(await linked(samplerFor('parentbased_traceidratio', 0), '00'), []);
    assert.deepEqual(await linked(samplerFor('always_off', 1), '01'), []);
  });

  it('an unsampled root keeps its children in its own trace, not in the one that was active', async () => {
    const { spans } = traced(samplerFor('parentbased_traceidratio', 0));
    const server = spans.startServer('GET', { traceparent: CALLER }, {});
    assert.ok(server);
    const inner = await spans.within(server.context, () =>
      spans.run('journal.replay', { root: true }, (root) =>
        spans.run('child', {}, async () => ({ root: root.spanContext().traceId, active: spans.traceId() })),
      ),
    );
    assert.notEqual(inner.root, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(inner.active, inner.root);
  });
});
