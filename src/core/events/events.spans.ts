import { SpanKind, spans } from '../tracing/index.js';

/*
 * The events' spans, kept out of the relay and the consumer so each seam there is one wrapper
 * call. Both are background work: a trace of their own. Tracing off, `fn` runs bare.
 */

/** `events.relay` around a round that found rows waiting: how many it took, how many the broker confirmed. */
export function relayRoundSpan(
  fn: (sent: (taken: number, confirmed: number) => void) => Promise<number>,
): Promise<number> {
  if (!spans.on) return fn(() => undefined);
  return spans.run('events.relay', { root: true, kind: SpanKind.PRODUCER }, (span) =>
    fn((taken, confirmed) => span.setAttributes({ 'events.taken': taken, 'events.confirmed': confirmed })),
  );
}

/** `events.consume <consumer>` around one delivered batch applied in one transaction. */
export function consumeBatchSpan<T>(consumer: string, events: number, fn: () => Promise<T>): Promise<T> {
  if (!spans.on) return fn();
  return spans.run(
    `events.consume ${consumer}`,
    { root: true, kind: SpanKind.CONSUMER, attributes: { 'events.consumer': consumer, 'events.batch': events } },
    fn,
  );
}
