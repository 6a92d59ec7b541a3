import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * `ENC(v1:<base64url of iv(12) | tag(16) | ciphertext>)`, AES-256-GCM.
 * The version prefix lets a later format (another cipher, a key id) coexist with this one.
 */
const PATTERN = /^ENC\((.*)\)$/s;
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretCipherError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unsupported-version' | 'authentication-failed' | 'bad-key',
    message: string,
  ) {
    super(message);
    this.name = 'SecretCipherError';
  }
}

export function isEncrypted(value: string): boolean {
  return PATTERN.test(value.trim());
}

/** Parses a key given as 64 hex digits or as base64 of 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SecretCipherError('bad-key', 'the master key must be 32 bytes, as 64 hex digits or base64');
  }
  return key;
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export function encryptSecret(plain: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  return `ENC(${VERSION}:${payload})`;
}

export function decryptSecret(value: string, key: Buffer): string {
  const match = PATTERN.exec(value.trim());
  if (!match) throw new SecretCipherError('malformed', 'not an ENC(...) value');
  const [version, payload, ...rest] = match[1].split(':');
  if (rest.length > 0 || payload === undefined) {
    throw new SecretCipherError('malformed', 'malformed ENC(...) value');
  }
  if (version !== VERSION) {
    throw new SecretCipherError('unsupported-version', `unsupported ENC format version "${version}"`);
  }
  if (!/^[A-Za-z0-9_-]*$/.test(payload)) throw new SecretCipherError('malformed', 'malformed ENC(...) value');
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) {
    throw new SecretCipherError('malformed', 'ENC(...) value is truncated');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretCipherError(
      'authentication-failed',
      'cannot decrypt ENC(...) value: wrong CONFIG_MASTER_KEY, or the value was altered or truncated',
    );
  }
}
