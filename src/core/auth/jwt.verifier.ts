import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { jwtVerify, type JWTVerifyResult } from 'jose';
import { AppError, ErrorCode } from '../common/index.js';
import { authConfig } from './auth.config.js';
import { lifetimeProblem, scopesOf, subjectProblem, typProblem } from './access-token.rules.js';
import type { Principal } from './auth.types.js';
import { KeysUnavailableError } from './keys/key-errors.js';
import { IssuerKeys } from './keys/issuer-keys.service.js';

// Asymmetric only: `none` and HS* (an HMAC "signed" with the public key) are refused by jose here.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export type RefusalReason = 'missing' | 'invalid' | 'expired' | 'scope' | 'jwks-unavailable';

/** Why a token was refused, for the 401 / 503 answer and the metric label. */
export class TokenRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** For `jwks-unavailable`: when the keys may be fetched again. */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = 'TokenRefusal';
  }
}

/**
 * Verifies `Authorization: Bearer` JWTs with jose against the issuer's keys (IssuerKeys:
 * discovered, kept while the issuer fails, refetched under a backoff): signature with an
 * asymmetric algorithm, `iss` as the issuer states it, `aud`, `exp`, `nbf`, the `typ` of an access
 * token (RFC 9068), a bounded lifetime, and a `sub` that can own a resource.
 */
@Injectable()
export class JwtVerifier {
  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly issuer: IssuerKeys,
  ) {}

  async verify(token: string): Promise<Principal> {
    let verified: JWTVerifyResult;
    try {
      verified = await jwtVerify(token, this.issuer.keySet, {
        audience: this.config.audience,
        clockTolerance: this.config.clockSkewS,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iss'],
        typ: this.config.requiredTyp,
      });
    } catch (error) {
      throw refusal(error);
    }
    const { payload, protectedHeader } = verified;
    const problem =
      (this.issuer.acceptedIssuers().includes(payload.iss as string)
        ? undefined
        : "the token's iss claim is not accepted") ??
      typProblem(protectedHeader, this.config.requiredTyp) ??
      lifetimeProblem(payload, Math.floor(Date.now() / 1000), this.config.maxTokenAgeS, this.config.clockSkewS) ??
      subjectProblem(payload.sub);
    if (problem) throw new TokenRefusal('invalid', problem);
    return { sub: payload.sub as string, scopes: scopesOf(payload, this.config.scopeClaims), anonymous: false };
  }
}

function refusal(error: unknown): TokenRefusal {
  if (error instanceof KeysUnavailableError)
    return new TokenRefusal('jwks-unavailable', error.message, Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenRefusal('expired', 'the token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new TokenRefusal(
        'invalid',
        `the token's ${(error as { claim?: string }).claim ?? 'claims'} claim is not accepted`,
      );
    default:
      return new TokenRefusal('invalid', 'the token is not valid');
  }
}

/**
 * The HTTP answer for a refusal: 401 with WWW-Authenticate, 403 for a missing scope, 503 when the keys are out of
 * reach.
 */
export function refusalError(refused: TokenRefusal): AppError {
  switch (refused.reason) {
    case 'jwks-unavailable':
      return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, refused.message, {
        retryAfterSeconds: refused.retryAfterSeconds,
        cause: refused,
      });
    case 'scope':
      return new AppError(ErrorCode.FORBIDDEN, refused.message, {
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", error_description="${refused.message}"` },
      });
    case 'missing':
      return new AppError(ErrorCode.UNAUTHORIZED, refused.message, { headers: { 'www-authenticate': 'Bearer' } });
    case 'invalid':
    case 'expired':
      return new AppError(ErrorCode.UNAUTHORIZED, refused.message, {
        headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${refused.message}"` },
      });
    default: {
      const unreachable: never = refused.reason;
      throw new Error(`unknown refusal ${String(unreachable)}`);
    }
  }
}
