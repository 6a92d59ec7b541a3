// Runs the compiled tests with node's test runner, one file at a time (integration files start
// their own servers; running them side by side on 2 cores only makes timeouts flaky).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '.test-dist';
const KINDS = {
  unit: [/\.spec\.js$/],
  integration: [/\.int-spec\.js$/, /\.e2e-spec\.js$/],
};
const wanted = process.argv[2] ? [process.argv[2]] : Object.keys(KINDS);
const patterns = wanted.flatMap((kind) => {
  if (!KINDS[kind]) throw new Error(`unknown test kind "${kind}": use ${Object.keys(KINDS).join(' or ')}`);
  return KINDS[kind];
});

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = ['src', 'test']
  .map((d) => join(ROOT, d))
  .flatMap((d) => {
    try {
      return walk(d);
    } catch {
      return [];
    }
  })
  .filter((f) => patterns.some((p) => p.test(f)))
  // Unit specs first: they fail fastest.
  .sort((a, b) => Number(/-spec\.js$/.test(a)) - Number(/-spec\.js$/.test(b)) || a.localeCompare(b));

if (files.length === 0) {
  console.error('no test files found: did the build step run?');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
