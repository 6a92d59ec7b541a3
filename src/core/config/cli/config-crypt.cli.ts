import { readFileSync } from 'node:fs';
import {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  parseMasterKey,
  SecretCipherError,
} from '../secret-cipher.js';

// Operator tool: `npm run --silent config:encrypt < plain.txt` prints ENC(...);
// `config:decrypt` does the reverse; `keygen` prints a new random key.
const USAGE =
  'usage: config-crypt encrypt|decrypt|keygen (value on stdin; key in CONFIG_MASTER_KEY or CONFIG_MASTER_KEY_FILE)';

function masterKey(): Buffer {
  const inline = process.env.CONFIG_MASTER_KEY;
  const file = process.env.CONFIG_MASTER_KEY_FILE;
  const text = inline || (file ? readFileSync(file, 'utf8') : undefined);
  if (!text) throw new SecretCipherError('bad-key', 'set CONFIG_MASTER_KEY or CONFIG_MASTER_KEY_FILE');
  return parseMasterKey(text);
}

function readStdin(): string {
  // One trailing newline is what `echo` and editors add; it is not part of the secret.
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

function main(command: string | undefined): number {
  switch (command) {
    case 'keygen':
      process.stdout.write(`${generateMasterKey()}\n`);
      return 0;
    case 'encrypt':
      process.stdout.write(`${encryptSecret(readStdin(), masterKey())}\n`);
      return 0;
    case 'decrypt':
      process.stdout.write(`${decryptSecret(readStdin(), masterKey())}\n`);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv[2]);
} catch (error) {
  process.stderr.write(`config-crypt: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
