/** An event as published: what every consumer receives, whichever broker carries it. */
export interface EventEnvelope {
  /** Deterministic: the same command's event has the same id, however often it is relayed. */
  id: string;
  /** The unit of ordering, e.g. `order:<id>`. */
  stream: string;
  /** 1, 2, 3... within the stream, with no gaps. */
  seq: number;
  /** e.g. `order.created`. */
  type: string;
  /** UTC, ISO 8601 with microseconds: when the change was applied in the database. */
  occurredAt: string;
  /** The idempotency key of the command that made the change. */
  commandKey: string;
  data: Record<string, unknown>;
}

const SUBJECT_TOKEN = /[^A-Za-z0-9_-]/g;
// Parts that are subject tokens already (every stream the service names): the subject is the stream's own text.
const PLAIN_STREAM = /^[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$/;

/** `<prefix>.order.<id>` for stream `order:<id>`: one subject token per part, wildcards never. */
export function subjectFor(prefix: string, stream: string): string {
  if (PLAIN_STREAM.test(stream)) return `${prefix}.${stream.replaceAll(':', '.')}`;
  return [prefix, ...stream.split(':').map((part) => part.replace(SUBJECT_TOKEN, '_') || '_')].join('.');
}
