import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// scripts/bundle.mjs drops esbuild's __name wrappers where the language names the function
// itself. Names must come out exactly as they do unbundled, collisions and renames included.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const SHARED = `
export const next = () => 1;
export function helper() { return 'a'; }
export const obj = { handler: () => 0, other: function () {} };
export class Logger {}
`;
const ENTRY = `
import { next as n1, helper as h1, obj, Logger as L1 } from './shared.mjs';
const next = () => 2;
function helper() { return 'b'; }
class Logger {}
let assigned; assigned = () => 3;
const pick = (c) => (c ? next : () => 4);
const { dflt = () => 5 } = {};
const table = { run: async () => 6, [\`k\${1}\`]: () => 7 };
function runner() { function next() {} return next; }
console.log(JSON.stringify([
  n1.name, next.name, h1.name, helper.name, obj.handler.name, obj.other.name, L1.name, Logger.name,
  assigned.name, pick(false).name, dflt.name, table.run.name, table.k1.name, runner().name,
  (() => { const f = () => 1; return f.name; })(),
]));
`;

describe('the bundle keeps every name', () => {
  it('gives functions and classes the names they have unbundled, with fewer __name calls', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-names-'));
    try {
      writeFileSync(join(dir, 'shared.mjs'), SHARED);
      writeFileSync(join(dir, 'entry.mjs'), ENTRY);
      const node = process.execPath;
      const unbundled = execFileSync(node, [join(dir, 'entry.mjs')], { encoding: 'utf8' });
      execFileSync(node, [join(ROOT, 'scripts/bundle.mjs'), join(dir, 'entry.mjs'), join(dir, 'out.mjs')]);
      const bundled = execFileSync(node, [join(dir, 'out.mjs')], { encoding: 'utf8' });
      assert.equal(bundled, unbundled);
      assert.match(unbundled, /"next","next","helper","helper","handler","other","Logger","Logger"/);
      const calls = readFileSync(join(dir, 'out.mjs'), 'utf8').match(/__name\(/g) ?? [];
      // What stays: the helper's definition and the renamed declarations and classes.
      assert.ok(calls.length < 8, `${calls.length} __name calls left`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
