import { SpanKind, spans } from '../tracing/index.js';

/*
 * The events' spans, kept out of the relay and the consumer so each seam there is one wrapper
 * call. Both are background work: a trace of their own. Tracing off, `fn` runs bare.
 */

/** Links to the spans that wrote these events (their traceparents). */
const linksTo = (events: readonly { traceparent?: string | null }[]) =>
  spans.linksToEach(events.map((e) => e.traceparent));

/**
 * `events.relay` around the publish of the rows a round took: how many it took, how many the
 * broker confirmed. Linked to the commands that wrote them, so a round carrying a sampled
 * request's event is sampled with it (LinkedSampler).
 */
export function relayRoundSpan(
  rows: readonly { traceparent?: string | null }[],
  fn: (sent: (taken: number, confirmed: number) => void) => Promise<number>,
): Promise<number> {
  if (!spans.on) return fn(() => undefined);
  return spans.run('events.relay', { root: true, kind: SpanKind.PRODUCER, links: linksTo(rows) }, (span) =>
    fn((taken, confirmed) => span.setAttributes({ 'events.taken': taken, 'events.confirmed': confirmed })),
  );
}

/**
 * `events.consume <consumer>` around delivered events applied in one transaction, linked to the
 * commands that wrote them (the messages' `traceparent` headers).
 */
export function consumeBatchSpan<T>(
  consumer: string,
  messages: readonly { traceparent?: string }[],
  fn: () => Promise<T>,
): Promise<T> {
  if (!spans.on) return fn();
  return spans.run(
    `events.consume ${consumer}`,
    {
      root: true,
      kind: SpanKind.CONSUMER,
      links: linksTo(messages),
      attributes: { 'events.consumer': consumer, 'events.batch': messages.length },
    },
    fn,
  );
}
