import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller's own id is kept beside ours only when it is short and plain, so it cannot forge log lines.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request ids are ours alone: a random per-process prefix (48 bits, so instances of a fleet do not
 * collide) and a counter. A caller cannot choose the id that its audit and log lines carry, and
 * an id costs a string concatenation instead of a UUID's random bytes.
 */
export class RequestIds {
  private readonly prefix = randomBytes(6).toString('hex');
  private counter = 0;

  /** Fastify `genReqId`. */
  readonly next = (): string => `${this.prefix}-${(++this.counter).toString(36)}`;
}

/** The caller's `x-request-id`, when acceptable: logged as `clientRequestId`, never used as ours. */
export function clientRequestIdOf(request: IncomingMessage): string | undefined {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && ACCEPTABLE_ID.test(value) ? value : undefined;
}
