import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { register } from 'prom-client';
import { createApp } from '../../src/app.factory.js';
import { FixtureModule } from '../../test/fixtures/fixture.module.js';
import { HealthFixtureModule } from '../../test/fixtures/health-fixture.module.js';
import type { BenchOptions } from '../lib/options.js';
import type { CaseResult } from '../lib/report.js';
import { interleave, median, type Sample } from '../lib/stats.js';

const SCRAPES_PER_SAMPLE = 200;

/** Time to render /metrics with every module loaded, after traffic on every route. */
export async function metricsScrape(options: BenchOptions): Promise<CaseResult> {
  const app: NestFastifyApplication = await createApp({
    env: { LOG_LEVEL: 'fatal', DB_SQLITE_PATH: ':memory:', NODE_ENV: 'test' },
    imports: [FixtureModule, HealthFixtureModule],
  });
  await app.init();
  try {
    const fastify = app.getHttpAdapter().getInstance();
    const inject = (o: InjectOptions) => fastify.inject(o);
    for (let i = 0; i < 200; i++) {
      await inject({ method: 'GET', url: '/health/ready' });
      await inject({ method: 'GET', url: '/health' });
      await inject({ method: 'GET', url: `/unknown/${i}` });
      await inject({ method: 'POST', url: '/fixture/echo', payload: { name: 'a', quantity: 1, side: 'buy' } });
      await inject({ method: 'GET', url: '/fixture/unavailable' });
    }
    const size = (await register.metrics()).length;
    const series = (await register.metrics()).split('\n').filter((l) => l && !l.startsWith('#')).length;
    const render = async (): Promise<Sample> => {
      const times: number[] = [];
      for (let i = 0; i < SCRAPES_PER_SAMPLE; i++) {
        const start = performance.now();
        await register.metrics();
        times.push(performance.now() - start);
      }
      return { value: median(times), extra: { bytes: size, series } };
    };
    const samples = await interleave([{ name: 'registry.metrics()', measure: render }], options.rounds);
    return {
      case: 'metrics-scrape',
      description: `render time of /metrics after traffic, all modules loaded (${SCRAPES_PER_SAMPLE} renders per sample)`,
      unit: 'ms',
      baseline: 'registry.metrics()',
      target: { contender: 'registry.metrics()', value: 2, direction: 'at-most' },
      rounds: options.rounds,
      samples,
    };
  } finally {
    await app.close();
  }
}
