import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { spans } from '../tracing/index.js';
import { consumeBatchSpan, relayRoundSpan } from './events.spans.js';

describe('events spans', () => {
  it('off: run their work bare', async () => {
    assert.equal(spans.on, false);
    assert.equal(await relayRoundSpan([], async (traced) => (traced(3, 3), 3)), 3);
    assert.equal(await consumeBatchSpan('positions', [{}, {}], async () => 'applied'), 'applied');
  });

  it('on: a relay round and a consumed batch are traces of their own, with their counts and failures, linked to the commands of their events', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    spans.enable({
      tracer: provider.getTracer('spec'),
      contexts: new AsyncLocalStorageContextManager(),
      propagator: new W3CTraceContextPropagator(),
      shutdown: () => provider.shutdown(),
    });
    try {
      // Started inside a request's span, as a request may wake them: still roots.
      const writer = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
      const other = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-00`;
      const rows = [{ traceparent: writer }, { traceparent: null }, { traceparent: 'not-a-traceparent' }];
      const delivered = [{ traceparent: other }, {}, { traceparent: writer }, {}, {}, {}, {}];
      await spans.run('POST /items', {}, async () => {
        assert.equal(await relayRoundSpan(rows, async (traced) => (traced(5, 4), 4)), 4);
        await assert.rejects(
          consumeBatchSpan('positions', delivered, () => Promise.reject(new Error('no writer'))),
          /no writer/,
        );
      });
      const finished = exporter.getFinishedSpans();
      const relay = finished.find((s) => s.name === 'events.relay')!;
      const consume = finished.find((s) => s.name === 'events.consume positions')!;
      const request = finished.find((s) => s.name === 'POST /items')!;
      assert.equal(relay.kind, SpanKind.PRODUCER);
      assert.deepEqual(relay.attributes, { 'events.taken': 5, 'events.confirmed': 4 });
      assert.equal(consume.kind, SpanKind.CONSUMER);
      assert.deepEqual(consume.attributes, {
        'events.consumer': 'positions',
        'events.batch': 7,
        'error.type': 'Error',
      });
      assert.equal(consume.status.code, SpanStatusCode.ERROR);
      const linked = (s: typeof relay) => s.links.map((l) => `${l.context.traceId}/${l.context.spanId}`);
      assert.deepEqual(linked(relay), [`${'a'.repeat(32)}/${'b'.repeat(16)}`], 'valid traceparents only');
      assert.deepEqual(linked(consume), [`${'c'.repeat(32)}/${'d'.repeat(16)}`, `${'a'.repeat(32)}/${'b'.repeat(16)}`]);
      for (const span of [relay, consume]) {
        assert.notEqual(span.spanContext().traceId, request.spanContext().traceId, `${span.name}: a trace of its own`);
        assert.equal(span.parentSpanContext, undefined);
      }
    } finally {
      spans.disable();
      await provider.shutdown();
    }
  });
});
