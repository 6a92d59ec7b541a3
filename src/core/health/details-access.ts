import { createHash, timingSafeEqual } from 'node:crypto';

export type DetailsAccess = 'granted' | 'anonymous' | 'denied';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * `granted` for `Authorization: Bearer <token>`, `denied` for any other credentials,
 * `anonymous` for none. Compared in constant time (digests have equal length whatever the input).
 */
export function detailsAccess(authorization: string | undefined, token: string | undefined): DetailsAccess {
  if (!authorization) return 'anonymous';
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (!token || !match) return 'denied';
  return timingSafeEqual(digest(match[1]), digest(token)) ? 'granted' : 'denied';
}
