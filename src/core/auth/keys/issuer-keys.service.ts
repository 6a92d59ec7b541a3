import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { RemoteJWKSet } from 'jose';
import { authConfig } from '../auth.config.js';
import { MetricsService } from '../../monitoring/index.js';
import { IssuerDiscovery } from './issuer-discovery.js';
import { IssuerHttpClient } from './issuer-http.client.js';
import { KeyStore } from './key-store.js';
import { RefetchBackoff } from './refetch-backoff.js';

/**
 * The token issuer as the verifier sees it: its keys (discovered from AUTH_ISSUER unless
 * AUTH_JWKS_URL is given, kept and refetched under a backoff) and the `iss` values it signs with.
 */
@Injectable()
export class IssuerKeys {
  /** jose's key resolver surface, for `jwtVerify`. */
  readonly keySet: RemoteJWKSet;
  private readonly discovery: IssuerDiscovery;
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
    http: IssuerHttpClient,
    metrics: MetricsService,
  ) {
    const fetches = metrics.counter({
      name: 'auth_jwks_fetches_total',
      help: 'Fetches of the token issuer keys (discovery included), by result: ok, or why they failed.',
      labelNames: ['result'],
    });
    this.discovery = new IssuerDiscovery(config.issuer ?? '', config.jwksUrl, (url) => http.getJson(url));
    const store = new KeyStore({
      load: async () => http.getJson((await this.discovery.resolve()).jwksUri),
      backoff: new RefetchBackoff(config.jwksRetryMinMs, config.jwksCooldownMs),
      refreshMs: config.jwksRefreshMs,
      maxStaleMs: config.jwksMaxStaleMs,
      onSuccess: () => fetches.inc({ result: 'ok' }),
      // One line per failed fetch: the backoff bounds how many.
      onFailure: (error) => {
        fetches.inc({ result: error.failure });
        this.logger.warn(`token issuer keys not fetched (${error.failure}): ${error.message}`);
      },
    });
    this.keySet = store.asRemoteJWKSet();
  }

  /** The `iss` values accepted; empty until discovery has succeeded (keys cannot be had before). */
  acceptedIssuers(): readonly string[] {
    return this.discovery.known?.issuers ?? [];
  }
}
