import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError, ErrorCode } from '../common/index.js';
import { authConfig } from '../config/index.js';
import type { Principal } from './auth.types.js';

// Asymmetric only: `none` and HS* (an HMAC "signed" with the public key) are refused by jose here.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export type RefusalReason = 'missing' | 'invalid' | 'expired' | 'scope' | 'jwks-unavailable';

/** Why a token was refused, for the 401 / 503 answer and the metric label. */
export class TokenRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRefusal';
  }
}

/**
 * Verifies `Authorization: Bearer` JWTs with jose against the issuer's JWKS: fetched on first
 * use, cached, fetched again for an unknown `kid` (at most once per cooldown), each fetch bounded
 * by AUTH_JWKS_TIMEOUT_MS; `iss`, `aud`, `exp` and `nbf` checked with AUTH_CLOCK_SKEW_S of skew.
 */
@Injectable()
export class JwtVerifier {
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys(), {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.config.clockSkewS,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw refusal(error);
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { sub: payload.sub as string, scopes: new Set(scopes), anonymous: false };
  }

  private keys(): ReturnType<typeof createRemoteJWKSet> {
    if (!this.config.jwksUrl) throw new Error('AUTH_JWKS_URL is not set');
    this.jwks ??= createRemoteJWKSet(new URL(this.config.jwksUrl), {
      timeoutDuration: this.config.jwksTimeoutMs,
      cooldownDuration: this.config.jwksCooldownMs,
      cacheMaxAge: 600_000,
    });
    return this.jwks;
  }
}

function refusal(error: unknown): TokenRefusal {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenRefusal('expired', 'the token has expired');
    case 'ERR_JWKS_TIMEOUT':
      return new TokenRefusal('jwks-unavailable', 'the token issuer keys could not be fetched in time');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new TokenRefusal(
        'invalid',
        `the token's ${(error as { claim?: string }).claim ?? 'claims'} claim is not accepted`,
      );
    default:
      // A JWKS that cannot be fetched at all (refused, 5xx, not JSON) says nothing of the token.
      if (code === 'ERR_JWKS_INVALID' || (error instanceof TypeError && /fetch/i.test(error.message))) {
        return new TokenRefusal('jwks-unavailable', 'the token issuer keys could not be fetched');
      }
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
      return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, refused.message, { retryAfterSeconds: 5, cause: refused });
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
