import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Imports from src/core of a team's module or of the app root: the core never knows who uses it. */
export function coreOutwardImports(root = SRC): string[] {
  const outward: string[] = [];
  for (const file of files(join(root, 'core'))) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(root, normalize(join(dirname(file), specifier)));
      if (!target.startsWith('core/')) outward.push(`${relative(ROOT, file)} imports ${specifier}`);
    }
  }
  return outward;
}

describe('module boundaries', () => {
  it('no file of src/core imports src/modules or the app root', () => {
    assert.deepEqual(coreOutwardImports(), []);
  });

  it('finds an import of a team module or of the app root planted in core', () => {
    const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
    try {
      mkdirSync(join(root, 'core/cache'), { recursive: true });
      writeFileSync(
        join(root, 'core/cache/a.ts'),
        "import { X } from '../../modules/orders/index.js';\nimport { Y } from '../../app.module.js';\n" +
          "import { Z } from '../common/index.js';\n",
      );
      assert.equal(coreOutwardImports(root).length, 2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("every import across modules goes through the module's index.ts", () => {
    assert.deepEqual(boundaryViolations(), []);
  });

  it('tells a module from the files outside modules', () => {
    assert.equal(moduleOf(join(SRC, 'core/cache/cache.service.ts')), 'core/cache');
    assert.equal(moduleOf(join(SRC, 'app.module.ts')), undefined);
    assert.equal(moduleOf(join(SRC, 'core/cache')), 'core/cache');
  });
});
