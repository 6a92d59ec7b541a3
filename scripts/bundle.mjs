// Bundles the compiled service (tsc output, decorator metadata included) into one ES module:
//   node scripts/bundle.mjs <entry.js> <out.mjs>
// Node then reads one file instead of ~3,100 (module resolution and loading were 80% of the boot),
// and barrels such as es-toolkit/compat are tree-shaken. What cannot be bundled stays outside:
// better-sqlite3 (native, finds its .node file from its own path), swagger-ui-dist (serves files
// from its own directory), and every optional package that is not installed (Nest's and TypeORM's
// optional peers: their imports fail at run time exactly as they do unbundled).
import { parseExpressionAt } from 'acorn';
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node scripts/bundle.mjs <entry.js> <out.mjs>');
  process.exit(2);
}

const KEEP_OUTSIDE = ['better-sqlite3', 'swagger-ui-dist', 'pg-native'];

const notInstalledStaysExternal = {
  name: 'not-installed-stays-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      try {
        createRequire(resolve(args.resolveDir, 'x.js')).resolve(args.path);
        return undefined;
      } catch {
        return { path: args.path, external: true };
      }
    });
  },
};

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: KEEP_OUTSIDE,
  plugins: [notInstalledStaysExternal],
  // CommonJS packages inside an ES module bundle still call require() for Node's builtins.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // Class and function names are kept: Nest, TypeORM (migration and entity names) and the logs read
  // them, and bundling renames what collides across modules.
  keepNames: true,
  sourcemap: true,
  logLevel: 'warning',
});

// keepNames calls __name(fn, "name") wherever a named function is created, also for the closures
// created on every request (Fastify's hook runners, Nest's pipes), and each call redefined `name`:
// ~10% of a cached GET /orders/:id in a profile. Almost every one already has its name, so the
// helper now only redefines a name that differs (what keepNames is for): same names, no cost.
const HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const CHEAP_HELPER =
  'var __name = (target, value) => (target.name === value ? target : __defProp(target, "name", { value, configurable: true }));';
const code = readFileSync(outfile, 'utf8');
if (!code.includes(HELPER)) {
  console.error(`bundle: esbuild's __name helper has changed; update scripts/bundle.mjs (${outfile})`);
  process.exit(1);
}
// `__name(fn, "fn");` after a function or class declaration whose name esbuild kept restores a
// name the declaration already has: dropped. ~3,500 of them, some in functions that run per
// request. Those of renamed declarations (`__name(next2, "next")`) stay.
const IDENTITY = /^[ \t]*__name\((\w+), "\1"\);[ \t]*$/gm;
// V8 keeps a module's source in memory for lazy compilation, and one non-Latin-1 character makes
// it a two-byte string: the bundle's 9 MB took 19 MB of heap. esbuild escapes strings but leaves
// regular-expression literals (validator's locale alphabets) and comments as they are, so every
// UTF-16 unit above 0x7f becomes a \uXXXX escape here: the same value in a string, a template, a
// regular expression (a surrogate pair too, with or without the u flag), harmless in a comment.
// A character escaped by a backslash of its own (an odd run of backslashes before it) is written
// as the escape alone, which is the same character.
const toAscii = (text) =>
  text.replace(/(\\*)([\u0080-\uffff])/g, (_, run, char) => {
    const escape = `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return (run.length % 2 === 1 ? run.slice(1) : run) + escape;
  });
// `x = __name(() => ..., "x")`: the arrow or function expression is an argument, so V8 cannot infer
// its name, and the helper gives it one with defineProperty each time the closure is created: on
// every request for Fastify's and Nest's per-request closures. That gave the closures new shapes
// and cost the bundle ~12% of a cached GET /orders/:id against the tsc build. Where the call sits
// in a place that names an anonymous function by itself (a declarator or an assignment to the
// same identifier, a property or a default of that name), the wrapper is dropped: the language
// gives the same name, at no cost. Only the wrapper's text is removed, so lines stay where they
// were for the source map. The other calls (a renamed declaration, a member assignment) stay.
const NAMING_PLACE = /(?:^|[^.\w$])([\w$]+)\s*(=|:)\s*(?:\/\* @__PURE__ \*\/\s*)?$/;
function inferredNameWrappers(text) {
  const cuts = [];
  for (const match of text.matchAll(/__name\((?=async\b|function\b|class\b|\()/g)) {
    const place = NAMING_PLACE.exec(text.slice(Math.max(0, match.index - 200), match.index));
    if (!place) continue;
    const [, binding, sign] = place;
    const before = text.slice(0, match.index - place[0].length + place[0].indexOf(binding)).trimEnd();
    // `a ? x : __name(...)` names nothing: a property must follow `{` or `,`.
    if (sign === ':' && !/[{,]$/.test(before)) continue;
    let call;
    try {
      // Acorn parses the longest expression from there (`__name(...), y = ...` is a sequence): the
      // call is its leftmost part.
      call = parseExpressionAt(text, match.index, { ecmaVersion: 'latest', sourceType: 'module' });
      while (call && call.type !== 'CallExpression')
        call = call.expressions?.[0] ?? call.left ?? call.test ?? call.object ?? call.tag;
      while (call?.callee?.type === 'CallExpression') call = call.callee;
    } catch {
      continue;
    }
    if (call?.start !== match.index || call.callee.name !== '__name') continue;
    const [fn, name] = call.arguments ?? [];
    const anonymous =
      fn && ['ArrowFunctionExpression', 'FunctionExpression', 'ClassExpression'].includes(fn.type) && !fn.id;
    if (!anonymous) continue;
    if (name?.type !== 'Literal' || name.value !== binding || call.arguments.length !== 2) continue;
    cuts.push([call.start, fn.start], [fn.end, call.end]);
  }
  cuts.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [from, to] of cuts) {
    out += text.slice(at, from);
    at = to;
  }
  return { text: out + text.slice(at), dropped: cuts.length / 2 };
}

const named = inferredNameWrappers(code.replace(HELPER, CHEAP_HELPER).replace(IDENTITY, ''));
if (named.dropped === 0) {
  console.error(`bundle: no __name wrapper found in a naming place; has esbuild's output changed? (${outfile})`);
  process.exit(1);
}
writeFileSync(outfile, toAscii(named.text));
