import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// Each module under src/core and src/modules is used by the others only through its index.ts:
// its public surface. Inside a module, any file may import any other.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `core/cache` for src/core/cache/..., undefined for files outside any module (main.ts, app.module.ts). */
function moduleOf(path: string): string | undefined {
  const [area, name] = relative(SRC, path).split('/');
  return (area === 'core' || area === 'modules') && name && !name.endsWith('.ts') ? `${area}/${name}` : undefined;
}

export function boundaryViolations(): string[] {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), specifier));
      const targetModule = moduleOf(target.replace(/\.js$/, '.ts'));
      if (!targetModule || targetModule === moduleOf(file)) continue;
      if (relative(join(SRC, targetModule), target) !== 'index.js')
        violations.push(`${relative(ROOT, file)} imports ${specifier}`);
    }
  }
  return violations;
}

describe('module boundaries', () => {
  it("every import across modules goes through the module's index.ts", () => {
    assert.deepEqual(boundaryViolations(), []);
  });

  it('tells a module from the files outside modules', () => {
    assert.equal(moduleOf(join(SRC, 'core/cache/cache.service.ts')), 'core/cache');
    assert.equal(moduleOf(join(SRC, 'app.module.ts')), undefined);
    assert.equal(moduleOf(join(SRC, 'core/cache')), 'core/cache');
  });
});
