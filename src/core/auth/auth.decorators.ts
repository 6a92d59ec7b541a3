import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiErrors } from '../common/index.js';
import type { FastifyRequest } from 'fastify';
import { REQUIRED_SCOPES } from './auth.constants.js';
import type { Principal } from './auth.types.js';

/**
 * The scopes a route needs (all of them). A route with neither this nor @Public needs a valid
 * token. Documents itself: bearer auth, the scopes (`x-required-scopes`), and the 401, 403 and
 * 503 (token issuer unreachable) answers.
 */
export const RequireScopes = (...scopes: string[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth(),
    ApiExtension('x-required-scopes', scopes),
    ApiErrors(401, 403, 503),
  );

type WithPrincipal = FastifyRequest & { principal?: Principal };

/** The caller, as the guard established it. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<WithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route the auth guard did not see');
  return principal;
});

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  (request as WithPrincipal).principal = principal;
}
