import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type RemoteJWKSet,
} from 'jose';
import { KeyFetchError, KeysUnavailableError } from './key-errors.js';
import type { Clock, RefetchBackoff } from './refetch-backoff.js';

export interface KeyStoreOptions {
  /** Fetches the JWKS document (discovering where it is first, if need be). */
  load: () => Promise<unknown>;
  backoff: RefetchBackoff;
  /** Keys this old are fetched again, in the background: they keep serving meanwhile. */
  refreshMs: number;
  /** Keys this old (since their fetch) serve no more: while the issuer fails, tokens get 503. */
  maxStaleMs: number;
  now?: Clock;
  onSuccess?: () => void;
  onFailure?: (error: KeyFetchError) => void;
}

interface Loaded {
  select: ReturnType<typeof createLocalJWKSet>;
  fingerprint: string;
  fetchedAt: number;
}

/**
 * The issuer's keys, with the surface of jose's `createRemoteJWKSet` but other failure rules:
 * the last good keys keep serving while the issuer fails (up to `maxStaleMs`), an unknown kid
 * fetches again at once unless the backoff says wait, and a key that cannot be had now is a
 * KeysUnavailableError (503), never a refusal of the token. One fetch at a time; callers join it.
 */
export class KeyStore {
  private loaded?: Loaded;
  private pending?: Promise<void>;
  private readonly now: Clock;

  constructor(private readonly options: KeyStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async getKey(header?: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    const fetched = !this.usable();
    if (fetched) await this.fetch();
    else if (this.age() >= this.options.refreshMs) this.refreshInBackground();
    try {
      return await this.current().select(header, token);
    } catch (error) {
      // Keys fetched just now for this token: its kid is not published.
      if (!(error instanceof errors.JWKSNoMatchingKey) || fetched) throw error;
    }
    // Unknown kid: a rotation, or a forgery. The backoff bounds how often forgeries cost a fetch.
    await this.fetch();
    return this.current().select(header, token);
  }

  /** Fetches now, whatever the backoff (jose's `reload`); joins a fetch under way. */
  reload(): Promise<void> {
    this.pending ??= this.fetchOnce().finally(() => (this.pending = undefined));
    return this.pending;
  }

  get fresh(): boolean {
    return this.loaded !== undefined && this.age() < this.options.refreshMs;
  }

  get coolingDown(): boolean {
    return this.options.backoff.waitMs > 0;
  }

  get reloading(): boolean {
    return this.pending !== undefined;
  }

  jwks(): JSONWebKeySet | undefined {
    return this.usable() ? this.loaded?.select.jwks() : undefined;
  }

  /** This store as jose's RemoteJWKSet, to hand to `jwtVerify`. */
  asRemoteJWKSet(): RemoteJWKSet {
    const getKey = (header?: JWSHeaderParameters, token?: FlattenedJWSInput) => this.getKey(header, token);
    return Object.defineProperties(getKey, {
      coolingDown: { get: () => this.coolingDown, enumerable: true },
      fresh: { get: () => this.fresh, enumerable: true },
      reloading: { get: () => this.reloading, enumerable: true },
      reload: { value: () => this.reload(), enumerable: true },
      jwks: { value: () => this.jwks(), enumerable: true },
    }) as RemoteJWKSet;
  }

  private async fetch(): Promise<void> {
    if (!this.pending) {
      const waitMs = this.options.backoff.waitMs;
      if (waitMs > 0) throw new KeysUnavailableError('the token issuer keys cannot be fetched again yet', waitMs);
    }
    await this.reload();
  }

  private refreshInBackground(): void {
    if (this.pending || this.options.backoff.waitMs > 0) return;
    // A failure is reported through onFailure; the current keys keep serving.
    this.reload().catch(() => undefined);
  }

  private async fetchOnce(): Promise<void> {
    const { backoff } = this.options;
    let next: Loaded;
    try {
      next = toLoaded(await this.options.load(), this.now());
    } catch (error) {
      backoff.settled('wasted');
      const failure =
        error instanceof KeyFetchError
          ? error
          : new KeyFetchError('invalid', 'the JWKS is not a JSON Web Key Set', { cause: error });
      this.options.onFailure?.(failure);
      throw new KeysUnavailableError(`the token issuer keys could not be fetched: ${failure.message}`, backoff.waitMs, {
        cause: failure,
      });
    }
    this.options.onSuccess?.();
    const useful = !this.usable() || this.loaded?.fingerprint !== next.fingerprint;
    this.loaded = next;
    backoff.settled(useful ? 'useful' : 'wasted');
  }

  private current(): Loaded {
    if (!this.loaded || !this.usable()) throw new KeysUnavailableError('the token issuer keys are not available', 1000);
    return this.loaded;
  }

  private usable(): boolean {
    return this.loaded !== undefined && this.age() < this.options.maxStaleMs;
  }

  private age(): number {
    return this.loaded ? this.now() - this.loaded.fetchedAt : Number.POSITIVE_INFINITY;
  }
}

// An issuer always publishes a key: an empty set is a broken answer, not a revocation of every key.
function toLoaded(document: unknown, fetchedAt: number): Loaded {
  const select = createLocalJWKSet(document as JSONWebKeySet);
  const keys = select.jwks().keys;
  if (keys.length === 0) throw new KeyFetchError('invalid', 'the JWKS holds no key');
  return { select, fingerprint: JSON.stringify(keys), fetchedAt };
}
