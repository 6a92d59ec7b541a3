import { SpanKind, spans } from '../tracing/index.js';
import type { DatabaseMode, JournalEntry, WriteResult } from './database.types.js';

/*
 * The database's spans, kept out of the command bus, the read router and the replayer so each seam there is one
 * wrapper call. Every helper runs `fn` bare while tracing is off (callers check `spans.on` on the
 * hot path, so no closure is even made then).
 */

/** How a command was applied: what an operator filters on at 3 a.m. */
export type CommandMode = 'writer' | 'journaled' | 'embedded' | 'replayed';

/**
 * `command <type>` around one write, with its mode once known. `fn` gets the command span's
 * `traceparent`, which a journaled entry keeps so that its replay can link back to it.
 */
export function commandSpan<R>(
  type: string,
  entityId: string,
  modeAtStart: DatabaseMode,
  fn: (traceparent: string | undefined) => Promise<WriteResult<R>>,
): Promise<WriteResult<R>> {
  return spans.run(
    `command ${type}`,
    { attributes: { 'command.type': type, 'command.entity_id': entityId } },
    async (span) => {
      const written = await fn(spans.traceparent());
      const mode: CommandMode = written.journaled ? 'journaled' : modeAtStart === 'embedded' ? 'embedded' : 'writer';
      span.setAttribute('command.mode', mode);
      return written;
    },
  );
}

/** A client span around one read or write on a Postgres target (its name, never its URL). */
export function pgSpan<T>(target: string, operation: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
  if (!spans.on) return fn();
  return spans.run(
    `pg ${operation} ${target}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        'db.target': target,
      },
    },
    fn,
  );
}

/**
 * The replay of one batch: a trace of its own (background work), whatever woke it, linked to the
 * spans that journaled its entries: a batch holding a sampled request's entry is sampled with it
 * (LinkedSampler), and so are its entries' spans.
 */
export function replayBatchSpan<T>(target: string, entries: readonly JournalEntry[], fn: () => Promise<T>): Promise<T> {
  if (!spans.on) return fn();
  const links = spans.linksToEach(entries.map((e) => e.traceparent));
  return spans.run(
    'journal.replay',
    {
      root: true,
      kind: SpanKind.CLIENT,
      links,
      attributes: { 'db.system': 'postgresql', 'db.target': target, 'journal.entries': entries.length },
    },
    fn,
  );
}

/** `command <type>` (mode `replayed`) for one journal entry, linked to the span that journaled it. */
export function replayedSpan<T>(entry: JournalEntry, fn: () => Promise<T>): Promise<T> {
  if (!spans.on) return fn();
  return spans.run(
    `command ${entry.type}`,
    {
      links: spans.linksTo(entry.traceparent),
      attributes: {
        'command.type': entry.type,
        'command.entity_id': entry.entityId,
        'command.mode': 'replayed' satisfies CommandMode,
        'journal.seq': entry.seq,
      },
    },
    fn,
  );
}
