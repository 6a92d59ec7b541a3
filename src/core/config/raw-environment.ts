import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { RawEnvironment } from './env.loader.js';

/** The process environment over the `.env` file of the working directory, if there is one. */
export function readRawEnvironment(envFile = resolve(process.cwd(), '.env')): RawEnvironment {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

export function readKeyFile(path: string): string {
  return readFileSync(path, 'utf8');
}
