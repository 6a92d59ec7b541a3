import { type Link, SpanKind, spans } from '../tracing/index.js';

/*
 * The events' spans, kept out of the relay and the consumer so each seam there is one wrapper
 * call. Both are background work: a trace of their own. Tracing off, `fn` runs bare.
 */

// The links a span carries at most (the SDK's default limit).
const MAX_LINKS = 128;

/** Links to the spans that wrote these events (their traceparents), up to the SDK's limit. */
function linksTo(events: readonly { traceparent?: string | null }[]): Link[] {
  const links: Link[] = [];
  for (const e of events) {
    if (links.length >= MAX_LINKS) break;
    if (e.traceparent) links.push(...spans.linksTo(e.traceparent));
  }
  return links;
}

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
