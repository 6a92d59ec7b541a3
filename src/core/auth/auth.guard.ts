import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authConfig } from '../config/index.js';
import { PUBLIC_ROUTE } from '../common/index.js';
import { ANONYMOUS_SUBJECT, REQUIRED_SCOPES } from './auth.constants.js';
import { setPrincipal } from './auth.decorators.js';
import { hasScope, type Principal } from './auth.types.js';
import { JwtVerifier, refusalError, TokenRefusal } from './jwt.verifier.js';
import { RefusalRecorder } from './refusal.recorder.js';

const ANONYMOUS: Principal = { sub: ANONYMOUS_SUBJECT, scopes: new Set(), anonymous: true };

/**
 * The global guard: every route needs a valid bearer token (AUTH_MODE=jwt) and the scopes it
 * declares with @RequireScopes, unless it is @Public. With AUTH_MODE=none every caller is the
 * anonymous principal, holding every scope.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
    private readonly refusals: RefusalRecorder,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    try {
      const principal = await this.authenticate(request);
      const required = this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [];
      const missing = required.filter((scope) => !hasScope(principal, scope));
      if (missing.length > 0) throw new TokenRefusal('scope', `this needs the scope ${missing.join(' ')}`);
      setPrincipal(request, principal);
      return true;
    } catch (error) {
      if (!(error instanceof TokenRefusal)) throw error;
      this.refusals.record(error.reason, request.routeOptions?.url ?? 'unmatched', String(request.id), request.ip);
      throw refusalError(error);
    }
  }

  /** The caller of `request`: from its bearer token, or anonymous with AUTH_MODE=none. */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    if (this.config.mode === 'none') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new TokenRefusal('missing', 'this needs Authorization: Bearer <token>');
    return this.verifier.verify(match[1]);
  }
}
