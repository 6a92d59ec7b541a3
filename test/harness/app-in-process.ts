import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory.js';
import { makeTempDir, removeDir, waitFor } from './system.js';

export const TEST_TOKEN = 'in-process-test-token-0123456789';

/** The app in this process, with its SQLite file in a temp directory and test-sized timeouts. */
export class InProcessApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly dir: string,
  ) {}

  /** `beforeInit` sees the app before its routes are registered (e.g. to watch the route table). */
  static async start(
    env: Record<string, string>,
    dir = makeTempDir('app'),
    imports: ModuleMetadata['imports'] = [],
    beforeInit?: (app: NestFastifyApplication) => void,
  ): Promise<InProcessApp> {
    const app = await createApp({
      imports,
      env: {
        LOG_LEVEL: 'error',
        DB_SQLITE_PATH: join(dir, 'app.sqlite'),
        DB_PROBE_INTERVAL_MS: '200',
        DB_PROBE_TIMEOUT_MS: '300',
        DB_CONNECT_TIMEOUT_MS: '500',
        DB_QUERY_TIMEOUT_MS: '1000',
        DB_STATEMENT_TIMEOUT_MS: '1000',
        DB_REPLICA_MAX_LAG_MS: '500',
        HEALTH_CHECK_TIMEOUT_MS: '500',
        HEALTH_CACHE_TTL_MS: '0',
        HEALTH_DETAILS_TOKEN: TEST_TOKEN,
        // A small reserve beside each test's journal: real, and quick to write at every boot.
        DB_JOURNAL_RESERVE_BYTES: '262144',
        ...env,
      },
    });
    beforeInit?.(app);
    await app.init();
    return new InProcessApp(app, dir);
  }

  request(options: InjectOptions): Promise<LightMyRequestResponse> {
    return this.app.getHttpAdapter().getInstance().inject(options);
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type);
  }

  /** Polls until `predicate` holds (e.g. a mode), failing with `what` after `timeoutMs`. */
  async until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    await waitFor(what, async () => predicate(), timeoutMs, 50);
  }

  async close(removeFiles = true): Promise<void> {
    await this.app.close();
    if (removeFiles) removeDir(this.dir);
  }
}
