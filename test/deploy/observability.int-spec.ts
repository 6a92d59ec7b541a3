import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  AppProcess,
  freePort,
  limitOrder,
  MAIN_ENTRY,
  makeTempDir,
  PostgresCluster,
  PrometheusServer,
  RedisSetup,
  removeDir,
  waitFor,
  requireBinary,
} from '../harness/index.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const DEPLOY = join(ROOT, 'deploy');
const JOB = 'trading-service-core';

function run(
  binary: string,
  debianPackage: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const result = spawnSync(requireBinary(binary, debianPackage), args, {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/ configurations pass their own tools', () => {
  const dir = makeTempDir('deploy-check');
  after(() => removeDir(dir));

  it('every alert rule passes its unit test (promtool test rules)', () => {
    const result = run('/usr/bin/promtool', 'prometheus', ['test', 'rules', 'alerts.test.yml'], {
      cwd: join(DEPLOY, 'prometheus'),
    });
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /SUCCESS/);
  });

  it('every alert rule has a test, and every test names a rule', () => {
    const rules = (
      parse(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ alert: string }> }>;
      }
    ).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(join(DEPLOY, 'prometheus/alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const firing = new Set(
      tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    );
    assert.deepEqual([...rules].sort(), [...firing].sort(), 'each rule is seen firing in a test');
  });

  it('the Prometheus configurations for compose and Kubernetes load (promtool check config)', () => {
    copyFileSync(join(DEPLOY, 'prometheus/alerts.yml'), join(dir, 'alerts.yml'));
    for (const name of ['prometheus.yml', 'prometheus-k8s.yml']) {
      writeFileSync(
        join(dir, name),
        readFileSync(join(DEPLOY, 'prometheus', name), 'utf8').replace('/etc/prometheus/alerts.yml', 'alerts.yml'),
      );
      const result = run('/usr/bin/promtool', 'prometheus', ['check', 'config', name], { cwd: dir });
      assert.equal(result.status, 0, `${name}: ${result.output}`);
    }
  });

  it('the Alertmanager configuration passes amtool check-config', () => {
    const result = run('/usr/bin/amtool', 'prometheus-alertmanager', [
      'check-config',
      join(DEPLOY, 'alertmanager/alertmanager.yml'),
    ]);
    assert.equal(result.status, 0, result.output);
  });

  it('the HAProxy configuration passes haproxy -c', () => {
    const env = {
      HAPROXY_BIND: '127.0.0.1:8080',
      HAPROXY_STATS_BIND: '127.0.0.1:8404',
      APP1_ADDR: '127.0.0.1:3001',
      APP2_ADDR: '127.0.0.1:3002',
      APP3_ADDR: '127.0.0.1:3003',
    };
    const result = run('/usr/sbin/haproxy', 'haproxy', ['-c', '-f', join(DEPLOY, 'haproxy/haproxy.cfg')], { env });
    assert.equal(result.status, 0, result.output);
  });
});

// PromQL words that are not metric names.
const PROMQL_WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right and or unless bool offset ' +
    'rate irate increase delta idelta deriv predict_linear histogram_quantile abs ceil floor round clamp clamp_min clamp_max label_replace label_join vector scalar time absent absent_over_time ' +
    'avg_over_time min_over_time max_over_time sum_over_time count_over_time last_over_time changes resets sort sort_desc exp ln log2 log10 sqrt timestamp inf nan'
  ).split(' '),
);

/**
 * The metric names an expression reads: label matchers, ranges, strings and label lists removed, then what is left that
 * is not PromQL.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n)))];
}

describe('dashboard and alert expressions against a real Prometheus scraping a fleet', () => {
  let cluster: PostgresCluster;
  let redis: RedisSetup;
  let prometheus: PrometheusServer;
  const apps: AppProcess[] = [];
  const cwd = makeTempDir('observability');
  let exported: Set<string>;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: true });
    redis = await RedisSetup.start();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const app = AppProcess.spawn(
        MAIN_ENTRY,
        {
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DB_PRIMARY_URL: cluster.primary.url,
          DB_REPLICA_URLS: cluster.nodeOf('replica').url,
          DB_SQLITE_PATH: join(cwd, `app-${i}.sqlite`),
          REDIS_URL: redis.master.url,
          INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
        },
        cwd,
      );
      apps.push(app);
      await app.ready();
    }
    // Traffic, so the request series exist.
    for (const app of apps) {
      await fetch(`${app.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(limitOrder(`obs-${app.port}`)),
      });
      await fetch(`${app.url}/health/ready`);
    }
    const text = await (await fetch(`${apps[0].url}/metrics`)).text();
    const declared = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
    );
    exported = new Set([...declared, 'up']);
    prometheus = await PrometheusServer.start({
      job: JOB,
      targets: apps.map((a) => `127.0.0.1:${a.port}`),
      rulesFile: join(DEPLOY, 'prometheus/alerts.yml'),
    });
    await waitFor(
      'Prometheus to scrape every instance',
      async () => (await prometheus.query(`sum(up{job="${JOB}"})`)).data?.result[0]?.value[1] === String(apps.length),
      20_000,
      250,
    );
  });

  after(async () => {
    await prometheus?.destroy();
    for (const app of apps) app.child.kill('SIGKILL');
    await redis?.destroy();
    cluster?.destroy();
    removeDir(cwd);
  });

  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/dashboards/trading-service-core.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ query: { query: string } }> };
  };
  const panelExprs = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
  );
  const ruleExprs = (
    parse(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    }
  ).groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
  // Grafana's variables, as Grafana would expand them for "All".
  const expand = (expr: string) => expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');

  it('scrapes every instance', async () => {
    const up = await prometheus.query(`up{job="${JOB}"}`);
    assert.deepEqual(
      up.data?.result.map((r) => r.value[1]),
      apps.map(() => '1'),
    );
  });

  it('the dashboard covers what an operator needs at 3 a.m.', () => {
    const all = panelExprs.map((p) => p.expr).join('\n');
    for (const metric of [
      'http_server_request_duration_seconds_count',
      'db_mode',
      'db_journal_backlog',
      'db_journal_dead_lettered_total',
      'db_failovers_total',
      'db_replica_lag_seconds',
      'cache_fallback_active',
      'cache_operations_total',
      'circuit_breaker_state',
      'health_score',
      'http_concurrency_limit',
      'http_concurrency_in_flight',
      'http_requests_shed_total',
    ]) {
      assert.ok(all.includes(metric), metric);
    }
  });

  it('every dashboard and alert expression parses and runs in Prometheus', async () => {
    const failures: string[] = [];
    for (const { where, expr } of [...panelExprs, ...ruleExprs]) {
      const answer = await prometheus.query(expand(expr));
      if (answer.status !== 'success') failures.push(`${where}: ${answer.error}`);
    }
    assert.deepEqual(failures, []);
  });

  it('every expression names only metrics the service exports', () => {
    const unknown = [
      ...panelExprs,
      ...ruleExprs,
      ...dashboard.templating.list.map((v) => ({
        where: 'variable',
        expr: v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
      })),
    ].flatMap(({ where, expr }) =>
      metricNames(expand(expr))
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    assert.deepEqual(unknown, []);
    assert.deepEqual(
      metricNames('sum by (instance) (rate(foo_total{a="b"}[1m])) / on(instance) bar'),
      ['foo_total', 'bar'],
      'the name extraction itself',
    );
  });

  it('the alert rules evaluate without error on live data', async () => {
    let rules = await prometheus.rules();
    await waitFor('every rule evaluated', async () => {
      rules = await prometheus.rules();
      return rules.length > 0 && rules.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001'));
    });
    assert.equal(rules.length, ruleExprs.length);
    assert.deepEqual(
      rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`),
      [],
    );
  });

  it('the database panels show live series from a fleet in normal mode', async () => {
    const mode = await prometheus.query(expand('max by (instance, mode) (db_mode{instance=~"$instance"}) == 1'));
    assert.deepEqual(
      mode.data?.result.map((r) => r.metric.mode),
      apps.map(() => 'normal'),
    );
  });
});
