import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

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

// The words of the example domain (src/modules): the core serves any domain, so it names none.
const DOMAIN_WORDS = new Set([
  'order',
  'orders',
  'quote',
  'quotes',
  'trading',
  'ticker',
  'tickers',
  'symbol',
  'symbols',
]);
const DOMAIN_PHRASES = [['market', 'data']];

/** Uses of a domain word that are not the domain, each with its reason (and, when local, its file). */
const GENERIC_USES: Array<{ pattern: RegExp; why: string; file?: string }> = [
  { pattern: /^Symbol$/, why: "JavaScript's Symbol" },
  { pattern: /\bORDER BY\b/, why: "SQL's ORDER BY, in the journal's queries" },
  { pattern: /\btrading-service-core\b/, why: "the package's name, which the core reports itself as" },
  // The bundled deployment (docker-compose.yml, deploy/k8s) names its databases and audience so:
  // the defaults and hints that match it keep a laptop and the manifests working as they are.
  {
    pattern: /^trading$/,
    why: "INFLUX_DATABASE's default, the bundled deployment's",
    file: 'core/monitoring/monitoring.config.ts',
  },
  {
    pattern: /\/trading$/,
    why: "the bundled deployment's Postgres database, in hints",
    file: 'core/database/database.config.ts',
  },
  {
    pattern: /^trading-api$/,
    why: "the bundled deployment's AUTH_AUDIENCE, as a hint",
    file: 'core/auth/auth.config.ts',
  },
];

/** The lower-case words of an identifier or a string: camelCase, snake_case, kebab-case and prose alike. */
export function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

function namesDomain(text: string, file: string): boolean {
  // A generic use may sit in a longer string: what is left around it is read.
  const rest = GENERIC_USES.filter((use) => !use.file || use.file === file).reduce(
    (t, { pattern }) => t.replace(new RegExp(pattern.source, 'g'), ' '),
    text,
  );
  const words = wordsOf(rest);
  if (words.some((w) => DOMAIN_WORDS.has(w))) return true;
  return DOMAIN_PHRASES.some((phrase) => words.some((_, i) => phrase.every((p, j) => words[i + j] === p)));
}

/**
 * Identifiers and string literals of src/core (its specs included) that name the example domain.
 * Comments are not read: the rule is about what the code knows, not about the examples prose gives.
 */
export function domainNamesInCore(root = SRC): string[] {
  const found: string[] = [];
  for (const file of files(join(root, 'core'))) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const literal =
        ts.isIdentifier(node) ||
        ts.isPrivateIdentifier(node) ||
        ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node);
      const value = literal ? node.text : '';
      if (literal && namesDomain(value, relative(root, file))) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${relative(root, file)}:${line + 1}: ${JSON.stringify(value)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('module boundaries', () => {
  it('no identifier or string of src/core names the example domain', () => {
    assert.deepEqual(domainNamesInCore(), []);
  });

  it('finds domain names planted in core, and lets the allowed generic uses pass', () => {
    const root = mkdtempSync(join(tmpdir(), 'domain-names-'));
    try {
      mkdirSync(join(root, 'core/cache'), { recursive: true });
      writeFileSync(
        join(root, 'core/cache/a.ts'),
        [
          'export const maxOrderNotional = 1; // a comment may say order',
          "const key = `quote:${'x'}`;",
          'const MARKET_DATA_URL = process.env.MARKET_DATA_URL;',
          "export const tag = Symbol('ticker');",
          "const sql = 'SELECT * FROM t ORDER BY seq';",
          "const name = 'trading-service-core';",
          "const fine = ['ordered', 'recorder', 'border', 'symbolic'];",
        ].join('\n'),
      );
      assert.deepEqual(
        domainNamesInCore(root).map((f) => f.replace(/^core\/cache\/a\.ts:/, '')),
        ['1: "maxOrderNotional"', '2: "quote:"', '3: "MARKET_DATA_URL"', '3: "MARKET_DATA_URL"', '4: "ticker"'],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads words out of identifiers and prose alike', () => {
    assert.deepEqual(wordsOf('clientOrderId'), ['client', 'order', 'id']);
    assert.deepEqual(wordsOf('RATE_LIMIT_QUOTES'), ['rate', 'limit', 'quotes']);
    assert.deepEqual(wordsOf('HTTPServer /orders/:id'), ['http', 'server', 'orders', 'id']);
  });

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
