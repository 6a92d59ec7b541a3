export const REDACTED = '***';

/** Field names whose values are masked wherever they appear in a logged object. */
export const SECRET_FIELD_NAMES = [
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'apiKey',
  'api_key',
  'cookie',
  'masterKey',
  'detailsToken',
  'sentinelPassword',
  'redisPassword',
  'primaryUrl',
  'replicaUrls',
  'redisUrl',
  'connectionString',
];

/**
 * Knows the plain values of the configured secrets and scrubs them from any text,
 * so that a secret quoted inside an error message (a connection string in a driver error,
 * say) is masked as well as a secret in a named field.
 */
export class SecretRedactor {
  private secrets: string[] = [];

  register(values: Iterable<string>): void {
    const all = new Set([...this.secrets, ...values]);
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = [...all].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    if (typeof text !== 'string') return text;
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** A failure's message, fit for a log line, a health detail or a status field: secrets masked. */
  describe(error: unknown): string {
    return this.scrub(error instanceof Error ? error.message : String(error));
  }
}

/** The process-wide redactor; filled by AppConfigModule at boot. */
export const secretRedactor = new SecretRedactor();
