import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { authConfig } from './auth.config.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifier } from './jwt.verifier.js';
import { IssuerHttpClient } from './keys/issuer-http.client.js';
import { IssuerKeys } from './keys/issuer-keys.service.js';
import { RefusalRecorder } from './refusal.recorder.js';

/** Who may call: JWT bearer tokens with scopes (AUTH_MODE=jwt), or nobody checked (AUTH_MODE=none). */
@Module({
  imports: [ConfigModule.forFeature(authConfig)],
  providers: [
    IssuerHttpClient,
    IssuerKeys,
    JwtVerifier,
    RefusalRecorder,
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
  ],
  exports: [AuthGuard],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(@Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>) {}

  onApplicationBootstrap(): void {
    const logger = new Logger('Auth');
    if (this.auth.mode === 'jwt')
      logger.log(
        `JWT bearer tokens from ${this.auth.issuer}, audience ${this.auth.audience}, keys ${this.auth.jwksUrl ? 'from AUTH_JWKS_URL' : 'discovered'}`,
      );
    else if (this.auth.isProduction)
      logger.warn('AUTH_MODE=none in production: every caller is anonymous and holds every scope');
  }
}
