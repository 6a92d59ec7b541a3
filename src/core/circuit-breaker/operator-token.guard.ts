import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { AuthGuard, SCOPES } from '../auth/index.js';
import { healthConfig } from '../health/index.js';
import { detailsAccess } from '../health/index.js';

/**
 * Operator endpoints take `Authorization: Bearer <HEALTH_DETAILS_TOKEN>`, or a JWT with the
 * `admin` scope (AUTH_MODE=jwt). With no token configured and no JWT they are closed. Every
 * refusal is counted and logged (rate-limited).
 */
@Injectable()
export class OperatorTokenGuard implements CanActivate {
  constructor(
    @Inject(healthConfig.KEY) private readonly config: ConfigType<typeof healthConfig>,
    private readonly auth: AuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (detailsAccess(request.headers.authorization, this.config.detailsToken) === 'granted') return true;
    await this.auth.authorize(request, [SCOPES.admin], { anonymous: false });
    return true;
  }
}
