import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/index.js';
import { healthConfig } from '../config/index.js';
import { detailsAccess } from '../health/index.js';

/** Operator endpoints need `Authorization: Bearer <HEALTH_DETAILS_TOKEN>`; with no token configured they are closed. */
@Injectable()
export class OperatorTokenGuard implements CanActivate {
  constructor(@Inject(healthConfig.KEY) private readonly config: ConfigType<typeof healthConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (detailsAccess(request.headers.authorization, this.config.detailsToken) !== 'granted') {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'operator endpoints need Authorization: Bearer <HEALTH_DETAILS_TOKEN>');
    }
    return true;
  }
}
