import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import {
  type ConfigRuleContext,
  type ConfigRuleProblem,
  EnvVar,
  IsServiceUrl,
  ToInt,
  ToList,
  featureConfig,
} from '../config/index.js';

/** Bearer tokens: the mode, the issuer and how its keys are fetched and kept. */
export class AuthEnv {
  @EnvVar({
    group: 'auth',
    description: 'none | jwt (empty: none in development and test; production requires it set)',
    example: '',
    hint: 'jwt',
  })
  @IsOptional()
  @IsIn(['none', 'jwt'])
  AUTH_MODE?: 'none' | 'jwt';

  @EnvVar({
    group: 'auth',
    description: 'JWKS URL, overriding discovery (empty: the jwks_uri of AUTH_ISSUER/.well-known/openid-configuration)',
    secret: 'url',
    example: '',
    hint: 'https://idp.example.com/.well-known/jwks.json',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  AUTH_JWKS_URL?: string;

  @EnvVar({
    group: 'auth',
    description:
      'Token issuer (AUTH_MODE=jwt): discovery starts there; `iss` must be the issuer its discovery document states (a trailing slash here is ignored)',
    example: '',
    hint: 'https://idp.example.com/',
  })
  @IsOptional()
  @IsServiceUrl(['http', 'https'])
  AUTH_ISSUER?: string;

  @EnvVar({ group: 'auth', description: 'Expected `aud` of tokens (AUTH_MODE=jwt)', example: '', hint: 'trading-api' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  AUTH_AUDIENCE?: string;

  @EnvVar({
    group: 'auth',
    description:
      'Claims read for scopes, first to last, each a space-separated string or an array of strings (Okta and Azure: scp)',
    example: 'scope,scp',
  })
  @ToList()
  @ArrayMaxSize(8)
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { each: true })
  AUTH_SCOPE_CLAIMS: string[] = ['scope', 'scp'];

  @EnvVar({
    group: 'auth',
    description:
      'The only `typ` header accepted, e.g. at+jwt (RFC 9068); empty: at+jwt, JWT or none, every other typ refused',
    example: '',
    hint: 'at+jwt',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9!#$&^_.+-]{1,64}(\/[A-Za-z0-9!#$&^_.+-]{1,64})?$/)
  AUTH_REQUIRED_TYP?: string;

  @EnvVar({
    group: 'auth',
    description: 'Oldest accepted token (`iat`) and farthest accepted `exp`, seconds from now',
    example: '86400',
  })
  @ToInt()
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  AUTH_MAX_TOKEN_AGE_S = 86_400;

  @EnvVar({ group: 'auth', description: 'Tolerated clock skew for exp, nbf and iat, seconds', example: '30' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CLOCK_SKEW_S = 30;

  @EnvVar({ group: 'auth', description: 'Bound on one discovery or JWKS fetch, ms', example: '2000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(30_000)
  AUTH_JWKS_TIMEOUT_MS = 2000;

  @EnvVar({
    group: 'auth',
    description:
      'Longest wait between two JWKS fetches: the cap of the backoff that spaces refetches for unknown kids and after failures, ms',
    example: '30000',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  AUTH_JWKS_COOLDOWN_MS = 30_000;

  @EnvVar({
    group: 'auth',
    description: 'First step of that backoff (doubles on each fetch that fails or finds no new key), ms',
    example: '1000',
  })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600_000)
  AUTH_JWKS_RETRY_MIN_MS = 1000;

  @EnvVar({
    group: 'auth',
    description: 'Age at which keys are fetched again, in the background, ms',
    example: '600000',
  })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  AUTH_JWKS_REFRESH_MS = 600_000;

  @EnvVar({
    group: 'auth',
    description:
      'How long the last keys fetched keep verifying tokens while the issuer fails, from that fetch, ms (then 503); at least AUTH_JWKS_REFRESH_MS',
    example: '3600000',
  })
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(604_800_000)
  AUTH_JWKS_MAX_STALE_MS = 3_600_000;
}

function authRules(e: AuthEnv, { profile }: ConfigRuleContext): ConfigRuleProblem[] {
  const problems: ConfigRuleProblem[] = [];
  if (e.AUTH_MODE === 'jwt') {
    // The JWKS URL is discovered from the issuer unless it is given.
    for (const variable of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const)
      if (!e[variable]) problems.push({ variable, rule: 'required', message: 'must be set when AUTH_MODE=jwt' });
  }
  if (e.AUTH_JWKS_MAX_STALE_MS < e.AUTH_JWKS_REFRESH_MS)
    problems.push({
      variable: 'AUTH_JWKS_MAX_STALE_MS',
      rule: 'range',
      message: 'must be at least AUTH_JWKS_REFRESH_MS',
    });
  if (profile.isProduction && !e.AUTH_MODE)
    problems.push({
      variable: 'AUTH_MODE',
      rule: 'production',
      message: 'production needs AUTH_MODE set: jwt, or none said explicitly',
    });
  return problems;
}

export const authConfig = featureConfig(
  'auth',
  AuthEnv,
  (e, profile) => ({
    mode: e.AUTH_MODE ?? 'none',
    /** AUTH_MODE=none said explicitly (production logs it as a warning). */
    explicit: e.AUTH_MODE !== undefined,
    /** Production logs AUTH_MODE=none as a warning. */
    isProduction: profile.isProduction,
    jwksUrl: e.AUTH_JWKS_URL,
    issuer: e.AUTH_ISSUER,
    audience: e.AUTH_AUDIENCE,
    clockSkewS: e.AUTH_CLOCK_SKEW_S,
    jwksTimeoutMs: e.AUTH_JWKS_TIMEOUT_MS,
    jwksCooldownMs: e.AUTH_JWKS_COOLDOWN_MS,
    jwksRetryMinMs: e.AUTH_JWKS_RETRY_MIN_MS,
    jwksRefreshMs: e.AUTH_JWKS_REFRESH_MS,
    jwksMaxStaleMs: e.AUTH_JWKS_MAX_STALE_MS,
    scopeClaims: e.AUTH_SCOPE_CLAIMS,
    requiredTyp: e.AUTH_REQUIRED_TYP,
    maxTokenAgeS: e.AUTH_MAX_TOKEN_AGE_S,
  }),
  { rules: authRules },
);
