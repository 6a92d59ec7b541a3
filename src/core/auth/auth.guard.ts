import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authConfig } from './auth.config.js';
import { PUBLIC_ROUTE } from '../common/index.js';
import { ANONYMOUS_SUBJECT, REQUIRED_SCOPES } from './auth.constants.js';
import { setPrincipal } from './auth.decorators.js';
import { hasScope, type Principal } from './auth.types.js';
import { JwtVerifier, refusalError, TokenRefusal } from './jwt.verifier.js';
import { RefusalRecorder } from './refusal.recorder.js';

const ANONYMOUS: Principal = { sub: ANONYMOUS_SUBJECT, scopes: new Set(), anonymous: true };

/** What a route declares, read once per handler: the metadata never changes after boot. */
interface RouteAccess {
  public: boolean;
  required: readonly string[];
}

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

  // By class, then handler: an inherited handler may sit under another class's metadata.
  private readonly routes = new WeakMap<object, WeakMap<object, RouteAccess>>();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = this.accessOf(context);
    if (access.public) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // AUTH_MODE=none: the anonymous caller holds every scope; answered without a promise.
    if (this.config.mode === 'none') {
      setPrincipal(request, ANONYMOUS);
      return true;
    }
    return this.authorize(request, access.required).then((principal) => {
      setPrincipal(request, principal);
      return true;
    });
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.routes.get(controller);
    if (!byHandler) this.routes.set(controller, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (!access) {
      const targets = [handler, controller];
      access = {
        public: this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true,
        required: this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [],
      };
      byHandler.set(handler, access);
    }
    return access;
  }

  /**
   * The caller of `request` if it holds every scope in `required`; else the refusal is counted,
   * logged (rate-limited) and thrown as its HTTP answer (401, 403 or 503). `anonymous: false`
   * refuses the anonymous caller of AUTH_MODE=none, which otherwise holds every scope.
   */
  async authorize(
    request: FastifyRequest,
    required: readonly string[],
    options: { anonymous: boolean } = { anonymous: true },
  ): Promise<Principal> {
    try {
      const principal = await this.authenticate(request);
      if (principal.anonymous && !options.anonymous) throw new TokenRefusal('missing', 'this needs a token');
      const missing = required.filter((scope) => !hasScope(principal, scope));
      if (missing.length > 0) throw new TokenRefusal('scope', `this needs the scope ${missing.join(' ')}`);
      return principal;
    } catch (error) {
      if (!(error instanceof TokenRefusal)) throw error;
      this.refusals.record(error.reason, request.routeOptions?.url ?? 'unmatched', String(request.id), request.ip);
      throw refusalError(error);
    }
  }

  /** The caller of `request`: from its bearer token, or anonymous with AUTH_MODE=none. */
  private async authenticate(request: FastifyRequest): Promise<Principal> {
    if (this.config.mode === 'none') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new TokenRefusal('missing', 'this needs Authorization: Bearer <token>');
    return this.verifier.verify(match[1]);
  }
}
