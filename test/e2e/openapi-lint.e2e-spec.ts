import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InProcessApp, freePort, makeTempDir, removeDir } from '../harness/index.js';

const require = createRequire(import.meta.url);
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const CONFIG = fileURLToPath(new URL('../../../redocly.yaml', import.meta.url));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; message: string; location?: Array<{ pointer?: string }> }>;
}

/** `redocly lint` with the repository's config (recommended, exceptions listed there), as JSON. */
function lint(file: string): Promise<{ code: number; report: LintReport; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [REDOCLY, 'lint', file, '--config', CONFIG, '--format', 'json'],
      {
        env: { PATH: process.env.PATH, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = typeof error?.code === 'number' ? error.code : error ? 1 : 0;
        const json = stdout.slice(stdout.indexOf('{'));
        resolve({ code, report: JSON.parse(json) as LintReport, stderr });
      },
    );
  });
}

const summary = (report: LintReport) =>
  report.problems.map((p) => `${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);

describe('the OpenAPI document, linted by Redocly', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('redocly');
  });
  after(() => removeDir(dir));

  async function documentOf(env: Record<string, string>, fromManagementPort?: number): Promise<string> {
    const app = await InProcessApp.start(env);
    try {
      const text = fromManagementPort
        ? await (await fetch(`http://127.0.0.1:${fromManagementPort}/docs-json`)).text()
        : (await app.request({ method: 'GET', url: '/docs-json' })).body;
      const file = join(dir, `openapi-${Object.keys(env).length}.json`);
      writeFileSync(file, text);
      return file;
    } finally {
      await app.close();
    }
  }

  it('passes the recommended rules, with no warning', async () => {
    const { code, report, stderr } = await lint(await documentOf({}));
    assert.deepEqual(summary(report), [], stderr);
    assert.equal(code, 0);
  });

  it('passes them as served on the management port too (absolute servers entry)', async () => {
    const management = await freePort();
    const file = await documentOf({ PORT: String(await freePort()), MANAGEMENT_PORT: String(management) }, management);
    const { code, report } = await lint(file);
    assert.deepEqual(summary(report), []);
    assert.equal(code, 0);
  });

  it('fails on a document that breaks a rule (the lint is not a no-op)', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        openapi: '3.0.0',
        info: { title: 'x', version: '1' },
        servers: [{ url: '/' }],
        paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
      }),
    );
    const { code, report } = await lint(file);
    assert.notEqual(code, 0);
    assert.ok(report.totals.errors + report.totals.warnings > 0);
  });
});
