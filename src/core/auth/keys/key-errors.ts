export type KeyFetchFailure = 'timeout' | 'network' | 'status' | 'not-json' | 'too-large' | 'invalid';

/** A discovery document or JWKS that could not be fetched or read. Names the URL without credentials or query. */
export class KeyFetchError extends Error {
  constructor(
    readonly failure: KeyFetchFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeyFetchError';
  }
}

/**
 * No key can be had for the token now: the issuer fails, or the backoff does not allow another
 * fetch yet. Says nothing about the token, so it is answered 503 with `Retry-After`, never 401.
 */
export class KeysUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}

/** The printable part of a URL: no user, password, query or fragment. */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
