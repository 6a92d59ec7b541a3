import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { MAX_SUBJECT_LENGTH } from './auth.constants.js';

// Half a surrogate pair: in u mode a whole pair is one code point, never Cs.
const LONE_SURROGATE = /\p{Cs}/u;

// RFC 9068 access tokens say at+jwt; most providers (Okta, Azure) still say JWT or nothing.
const ACCESS_TOKEN_TYPS = new Set(['application/at+jwt', 'application/jwt']);

/** `typ` as RFC 7515 4.1.9 compares it: case-insensitive, `application/` implied. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

/**
 * Why the header's `typ` is refused, or undefined. With `required` only that type passes
 * (jose checks it too); without, no `typ`, JWT or at+jwt: a logout+jwt or an ID token
 * profile is not an access token.
 */
export function typProblem(header: ProtectedHeaderParameters, required: string | undefined): string | undefined {
  const { typ } = header;
  if (required !== undefined)
    return typeof typ === 'string' && normalizeTyp(typ) === normalizeTyp(required)
      ? undefined
      : `typ must be ${required}`;
  if (typ === undefined) return undefined;
  return typeof typ === 'string' && ACCESS_TOKEN_TYPS.has(normalizeTyp(typ))
    ? undefined
    : 'typ is not an access token type';
}

/**
 * The subject as an owner: a non-empty string that fits the owner column, well-formed UTF-16
 * and without U+0000 (Postgres refuses both). A number is refused, never turned into a string:
 * `42` and `"42"` must not be the same owner.
 */
export function subjectProblem(sub: unknown): string | undefined {
  if (typeof sub !== 'string') return 'sub must be a string';
  if (sub.length === 0) return 'sub must not be empty';
  if ([...sub].length > MAX_SUBJECT_LENGTH) return `sub must be at most ${MAX_SUBJECT_LENGTH} characters`;
  if (sub.includes('\u0000') || LONE_SURROGATE.test(sub)) return 'sub holds characters that cannot be stored';
  return undefined;
}

/**
 * Why the token's lifetime is refused, or undefined: issued more than `maxAgeS` ago, issued in
 * the future, or expiring more than `maxAgeS` from now (an `exp` in 9999). Skew allowed.
 */
export function lifetimeProblem(payload: JWTPayload, nowS: number, maxAgeS: number, skewS: number): string | undefined {
  const { iat, exp } = payload;
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'iat must be a number';
    if (nowS - iat > maxAgeS + skewS) return 'the token is older than allowed';
    if (iat - nowS > skewS) return 'the token is issued in the future';
  }
  if (typeof exp === 'number' && exp - nowS > maxAgeS + skewS) return 'the token expires later than allowed';
  return undefined;
}

/**
 * The scopes the token grants, from each claim in `claims`: a space-separated string (`scope`,
 * Azure's `scp`) or an array of strings (Okta's `scp`). Anything else grants nothing.
 */
export function scopesOf(payload: JWTPayload, claims: readonly string[]): Set<string> {
  const scopes = new Set<string>();
  for (const claim of claims) {
    const value = payload[claim];
    const items = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const item of items) if (typeof item === 'string' && item.length > 0) scopes.add(item);
  }
  return scopes;
}
