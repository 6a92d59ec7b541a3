import type { InjectOptions } from 'fastify';
import { DatabaseService } from '../../src/core/database/index.js';
import { InProcessApp } from '../../test/harness/app-in-process.js';
import { PostgresCluster } from '../../test/harness/postgres.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import type { Sample } from '../lib/stats.js';

const JOURNALED = 1000;
const TRIALS = 5;

/**
 * Failover: primary killed -> first acknowledged write. Recovery: primary accepting connections
 * again -> journal of 1,000 orders replayed and mode normal. One cluster, TRIALS kill/start cycles.
 */
export async function dbFailover(_options: BenchOptions): Promise<CaseResult> {
  const cluster = await PostgresCluster.start();
  const app = await InProcessApp.start({
    DB_PRIMARY_URL: cluster.primary.url,
    DB_PROBE_INTERVAL_MS: '250',
    LOG_LEVEL: 'fatal',
  });
  const db = app.get(DatabaseService);
  let n = 0;
  const post = () =>
    app.request({
      method: 'POST',
      url: '/orders',
      payload: { clientOrderId: `f-${n++}`, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: 1, limitPrice: 5 },
    } as InjectOptions);
  const failover: Sample[] = [];
  const recovery: Sample[] = [];
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      await app.until('normal mode', () => db.currentMode === 'normal', 30_000);
      const killed = performance.now();
      await cluster.stop('primary', 'immediate');
      while ((await post()).statusCode !== 201) {
        // keep trying until one is acknowledged
      }
      failover.push({ value: performance.now() - killed });
      for (let i = 1; i < JOURNALED; i += 100) await Promise.all(Array.from({ length: 100 }, () => post()));
      await cluster.start('primary');
      const back = performance.now();
      await app.until('replay', () => db.currentMode === 'normal', 60_000);
      recovery.push({ value: performance.now() - back });
    }
  } finally {
    await app.close();
    cluster.destroy();
  }
  return {
    case: 'db-failover',
    description: `failover = kill -> first 201; recovery = primary up -> ${JOURNALED} journaled orders replayed, mode normal; ${TRIALS} trials`,
    unit: 'ms',
    baseline: 'failover (kill -> first ack)',
    rounds: TRIALS,
    samples: new Map([
      ['failover (kill -> first ack)', failover],
      [`recovery (${JOURNALED} journaled)`, recovery],
    ]),
  };
}
