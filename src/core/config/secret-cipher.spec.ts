import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  isEncrypted,
  parseMasterKey,
  SecretCipherError,
} from './secret-cipher.js';

const key = parseMasterKey(generateMasterKey());

describe('secret cipher', () => {
  it('round-trips a value, unicode and separators included', () => {
    for (const plain of ['p@ss:w/rd', 'ünïcødé ✓', '', 'a'.repeat(5000)]) {
      assert.equal(decryptSecret(encryptSecret(plain, key), key), plain);
    }
  });

  it('writes a versioned ENC(...) value with a fresh IV each time', () => {
    const a = encryptSecret('same', key);
    const b = encryptSecret('same', key);
    assert.match(a, /^ENC\(v1:[A-Za-z0-9_-]+\)$/);
    assert.notEqual(a, b);
    assert.ok(isEncrypted(a));
    assert.ok(!isEncrypted('plain'));
  });

  it('refuses a wrong key', () => {
    const other = parseMasterKey(generateMasterKey());
    assert.throws(
      () => decryptSecret(encryptSecret('x', key), other),
      (e: SecretCipherError) => e.reason === 'authentication-failed',
    );
  });

  it('refuses a tampered value', () => {
    const value = encryptSecret('secret-value', key);
    const payload = value.slice('ENC(v1:'.length, -1);
    const flipped = payload.slice(0, -2) + (payload.at(-2) === 'A' ? 'B' : 'A') + payload.at(-1);
    assert.throws(
      () => decryptSecret(`ENC(v1:${flipped})`, key),
      (e: SecretCipherError) => e.reason === 'authentication-failed',
    );
  });

  it('refuses a truncated value, an unknown version and garbage', () => {
    const value = encryptSecret('secret-value', key);
    assert.throws(
      () => decryptSecret(value.slice(0, 20) + ')', key),
      (e: SecretCipherError) => e.reason === 'malformed',
    );
    assert.throws(
      () => decryptSecret(value.replace('v1:', 'v9:'), key),
      (e: SecretCipherError) => e.reason === 'unsupported-version',
    );
    assert.throws(
      () => decryptSecret('ENC(v1:***)', key),
      (e: SecretCipherError) => e.reason === 'malformed',
    );
  });

  it('accepts a key as 64 hex digits or base64 of 32 bytes, and nothing else', () => {
    assert.equal(parseMasterKey('ab'.repeat(32)).length, 32);
    assert.equal(parseMasterKey(Buffer.alloc(32, 7).toString('base64')).length, 32);
    assert.throws(
      () => parseMasterKey('short'),
      (e: SecretCipherError) => e.reason === 'bad-key',
    );
    assert.throws(
      () => parseMasterKey('ab'.repeat(16)),
      (e: SecretCipherError) => e.reason === 'bad-key',
    );
  });
});
