import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Every ```ts block of README.md and docs/**/*.md is type-checked against the public surface.
// Convention (docs/extending.md, "Snippets in these docs"): a snippet is written as a file of a team's
// module, src/modules/<team>/<file>.ts, so it imports `../../core/<module>/index.js`. ```ts skip-check
// marks the few fragments that are partial on purpose.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const README_MAX_LINES = 200;

export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the snippet's first code line in that file. */
  line: number;
  code: string;
}

/** The type-checked snippets of one Markdown text: ```ts or ```typescript, without skip-check. */
export function snippetsOf(file: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(?!`)(\w*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    do i++;
    while (i < lines.length && !/^```\s*$/.test(lines[i]));
    assert.ok(i < lines.length, `${file}:${start}: a code block that never closes`);
    const checked = (open[1] === 'ts' || open[1] === 'typescript') && !open[2].includes('skip-check');
    if (checked) snippets.push({ file, line: start + 1, code: lines.slice(start, i).join('\n') });
  }
  return snippets;
}

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.md') ? [path] : [];
    });
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configPath);
  // A snippet may declare what it does not use: it shows a shape, not a program.
  return { ...options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
}

// What a snippet may import of the project: a module's index.ts, or the app's entry points.
const PUBLIC_SURFACE = [
  /^\.\.\/\.\.\/(core|modules)\/[a-z-]+\/index\.js$/,
  /^\.\.\/\.\.\/(server|app\.factory|app\.module)\.js$/,
];

/** Relative imports of a snippet that reach past a module's index.ts, named `file:line`. */
export function surfaceViolations(snippet: Snippet): string[] {
  return snippet.code
    .split('\n')
    .flatMap((text, at) =>
      [...text.matchAll(/from '(\.[^']*)'/g)]
        .filter(([, specifier]) => !PUBLIC_SURFACE.some((allowed) => allowed.test(specifier)))
        .map(([, specifier]) => `${snippet.file}:${snippet.line + at}: imports ${specifier}, not a public surface`),
    );
}

/** Type-checks the snippets as files of a team module; one line per error, named `file:line`. */
export function snippetErrors(snippets: Snippet[]): string[] {
  const dir = join(ROOT, 'src', 'modules', `.docs-snippets-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const byPath = new Map<string, Snippet>();
    snippets.forEach((snippet, n) => {
      const path = join(dir, `snippet-${n}.ts`);
      // `export {}` on the last line makes each snippet a module without moving its lines.
      writeFileSync(path, `${snippet.code}\nexport {};\n`);
      byPath.set(path, snippet);
    });
    const program = ts.createProgram([...byPath.keys()], compilerOptions());
    const errors = snippets.flatMap(surfaceViolations);
    for (const d of program.getOptionsDiagnostics()) errors.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    for (const [path, snippet] of byPath) {
      const source = program.getSourceFile(path);
      assert.ok(source, `${path} was not compiled`);
      for (const d of ts.getPreEmitDiagnostics(program, source)) {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        const where = d.file === source ? `${snippet.file}:${snippet.line + at}` : `${snippet.file}:${snippet.line}`;
        errors.push(`${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Relative links of one Markdown file whose target does not exist (anchors and URLs left out). */
function brokenLinks(path: string): string[] {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
    .map(([, target]) => target)
    .filter((target) => !/^[a-z]+:/.test(target))
    .filter((target) => !existsSync(resolve(dirname(path), target)))
    .map((target) => `${relative(ROOT, path)} links to ${target}`);
}

describe('README and docs', () => {
  it('type-checks every ts snippet of README.md and docs/ against the public surface', () => {
    const snippets = markdownFiles().flatMap((path) => snippetsOf(relative(ROOT, path), readFileSync(path, 'utf8')));
    assert.ok(snippets.length >= 5, `only ${snippets.length} snippets found`);
    assert.deepEqual(snippetErrors(snippets), []);
  });

  it('names the file and line of a snippet that does not compile or imports past an index.ts', () => {
    const markdown = [
      '# broken',
      '```ts',
      "import { DatabaseService } from '../../core/database/index.js';",
      'declare const database: DatabaseService;',
      'database.writeEverything();',
      '```',
      '```ts skip-check',
      'not even TypeScript',
      '```',
    ].join('\n');
    const snippets = snippetsOf('docs/broken.md', markdown);
    assert.equal(snippets.length, 1);
    const errors = snippetErrors(snippets);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^docs\/broken\.md:5: TS2339 .*writeEverything/);
    const internal = snippetsOf(
      'docs/internal.md',
      "```ts\nimport { toOrder } from '../../modules/orders/order.entity.js';\n```",
    );
    assert.deepEqual(surfaceViolations(internal[0]), [
      'docs/internal.md:2: imports ../../modules/orders/order.entity.js, not a public surface',
    ]);
    assert.throws(() => snippetsOf('docs/open.md', '```ts\nconst a = 1;\n'), /docs\/open\.md:1: a code block/);
  });

  it(`keeps README.md at most ${README_MAX_LINES} lines, with the two commands`, () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = readme.trimEnd().split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
    assert.match(readme, /^npm ci && npm start$/m);
    assert.match(readme, /^npm run test:all$/m);
  });

  it('links only to files that exist', () => {
    assert.deepEqual(markdownFiles().flatMap(brokenLinks), []);
  });
});
