import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  AppProcess,
  FIXTURE_ENTRY,
  freePort,
  makeTempDir,
  rawHttp,
  removeDir,
  requireBinary,
  waitFor,
} from '../harness/index.js';
import { loadEnvironment } from '../../src/core/config/index.js';
import { monitoringConfig } from '../../src/core/monitoring/index.js';

function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync(requireBinary('/usr/bin/promtool', 'prometheus'), ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// Runtime series (GC kinds, libuv resource types) appear lazily but from small fixed sets;
// everything else must not grow with the paths requested.
const seriesCount = (text: string): number =>
  text.split('\n').filter((l) => l && !l.startsWith('#') && !/^(nodejs|process)_/.test(l)).length;

describe('metrics', () => {
  let cwd: string;
  let app: AppProcess;
  before(async () => {
    cwd = makeTempDir('metrics');
    app = AppProcess.spawn(FIXTURE_ENTRY, { PORT: String(await freePort()), LOG_LEVEL: 'fatal' }, cwd);
    await app.ready();
  });
  after(async () => {
    await app?.stop();
    removeDir(cwd);
  });

  it('passes promtool check metrics after traffic on every route', async () => {
    const json = { 'content-type': 'application/json' };
    await fetch(`${app.url}/fixture/echo`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'a', quantity: 1, side: 'buy' }),
    });
    await fetch(`${app.url}/fixture/echo`, { method: 'POST', headers: json, body: '{bad' });
    for (const path of [
      '/health',
      '/health/ready',
      '/health/live',
      '/fixture/crash',
      '/fixture/unavailable',
      '/nowhere',
    ])
      await fetch(`${app.url}${path}`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(
      text,
      /http_server_request_duration_seconds_count\{method="POST",route="\/fixture\/echo",status_class="4xx"\}/,
    );
    assert.match(text, /nodejs_eventloop_lag_seconds/);
    const check = promtool(text);
    assert.equal(check.status, 0, check.output);
  });

  it('keeps the series count flat across 1,000 distinct unknown paths', async () => {
    await fetch(`${app.url}/unknown/warmup`);
    const before = seriesCount(await (await fetch(`${app.url}/metrics`)).text());
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          fetch(`${app.url}/unknown/${i + j}?q=${i + j}`).then((r) => r.arrayBuffer()),
        ),
      );
    }
    const text = await (await fetch(`${app.url}/metrics`)).text();
    assert.equal(seriesCount(text), before);
    assert.doesNotMatch(text, /\/unknown\//);
  });
});

describe('metrics behind a token', () => {
  it('asks for the health details token with METRICS_TOKEN_REQUIRED, and production asks by default without a management port', async () => {
    const cwd = makeTempDir('metrics-token');
    const token = 'metrics-e2e-token-0123456789abcdef';
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      {
        PORT: String(await freePort()),
        LOG_LEVEL: 'fatal',
        METRICS_TOKEN_REQUIRED: 'true',
        HEALTH_DETAILS_TOKEN: token,
      },
      cwd,
    );
    try {
      await app.ready();
      const scrape = (authorization?: string) =>
        fetch(`${app.url}/metrics`, { headers: authorization ? { authorization } : {} });
      const anonymous = await scrape();
      assert.equal(anonymous.status, 401);
      assert.doesNotMatch(await anonymous.text(), /process_cpu/);
      assert.equal((await scrape('Bearer not-the-token')).status, 401);
      const granted = await scrape(`Bearer ${token}`);
      assert.equal(granted.status, 200);
      assert.match(await granted.text(), /process_cpu_user_seconds_total/);
    } finally {
      await app.stop();
      removeDir(cwd);
    }
    const production = { NODE_ENV: 'production', HEALTH_DETAILS_TOKEN: token };
    const monitoring = (raw: Record<string, string>) =>
      loadEnvironment(raw, { readFile: () => '', configs: [monitoringConfig] }).config(monitoringConfig);
    assert.equal(monitoring(production).metricsTokenRequired, true);
    const withPort = { ...production, MANAGEMENT_PORT: '9000' };
    assert.equal(monitoring(withPort).metricsTokenRequired, false, 'the management port is the seal there');
  });
});

// /health/live answers on the management port only: the main port's 404 would never be ready.
const managementReady = (port: number) =>
  waitFor('the management port', async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok, 20_000);

describe('management port', () => {
  it('serves health, metrics and the API docs only on MANAGEMENT_PORT', async () => {
    const cwd = makeTempDir('mgmt');
    const managementPort = await freePort();
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      { PORT: String(await freePort()), MANAGEMENT_PORT: String(managementPort), LOG_LEVEL: 'fatal' },
      cwd,
    );
    try {
      const management = `http://127.0.0.1:${managementPort}`;
      await managementReady(managementPort);
      assert.equal((await fetch(`${management}/health/live`)).status, 200);
      assert.equal((await fetch(`${management}/health/ready`)).status, 200);
      const metrics = await fetch(`${management}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /process_cpu_user_seconds_total/);
      assert.equal((await fetch(`${app.url}/metrics`)).status, 404);
      assert.equal((await fetch(`${app.url}/health/ready`)).status, 404);
      const docs = await fetch(`${management}/docs-json`);
      assert.equal(docs.status, 200);
      assert.ok(
        ((await docs.json()) as { paths: Record<string, unknown> }).paths['/orders'],
        'the whole API is described there',
      );
      assert.equal((await fetch(`${management}/docs`)).status, 200);
      assert.equal((await fetch(`${app.url}/docs-json`)).status, 404);
      assert.equal((await fetch(`${app.url}/docs`)).status, 404);
      assert.equal((await fetch(`${app.url}/fixture/unavailable`)).status, 503, 'the main port still serves the app');
    } finally {
      await app.stop();
      removeDir(cwd);
    }
  });

  it('seals the main port on the routed path: encoded, dot-segment, double-slash and absolute-form targets', async () => {
    const cwd = makeTempDir('mgmt-seal');
    const [port, managementPort] = [await freePort(), await freePort()];
    const app = AppProcess.spawn(
      FIXTURE_ENTRY,
      { PORT: String(port), MANAGEMENT_PORT: String(managementPort), LOG_LEVEL: 'fatal' },
      cwd,
    );
    try {
      await managementReady(managementPort);
      for (const target of [
        '/%6detrics',
        '/%68ealth',
        '/%68ealth/ready',
        '/health/%72eady',
        '/fixture/../metrics',
        '//metrics',
        'http://x/metrics',
        'http://x/health/ready',
        '/docs-%6Ason',
      ]) {
        const answer = await rawHttp(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.match(answer, /^HTTP\/1\.1 (404|400) /, `${target}: ${answer.slice(0, 200)}`);
        assert.doesNotMatch(answer, /process_cpu|"status":"ok"|openapi/, `${target} leaked`);
      }
    } finally {
      await app.stop();
      removeDir(cwd);
    }
  });
});
