import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { readRawEnvironment } from '../../config/index.js';
import type { AppBuilder } from './database-cli.js';

/**
 * Runs `work` on the app, built with its own journal in a temp directory: a tool that acts on a
 * journal file (another instance's, or this host's) must never replay or hold it as its own.
 */
export async function withDetachedApp<T>(
  build: AppBuilder,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const own = mkdtempSync(join(tmpdir(), 'journal-cli-'));
  try {
    const app = await build({ ...readRawEnvironment(), DB_SQLITE_PATH: join(own, 'journal.sqlite') });
    try {
      await app.init();
      return await work(app);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
}
