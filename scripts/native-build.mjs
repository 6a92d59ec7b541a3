// postinstall: builds better-sqlite3 against the Node that runs the service, which is the one
// `npm ci` put in node_modules/.bin (see README, "The runtime"), not the one that ran npm.
// The package's own install script is denied in package.json's allowScripts: it would build
// against whatever headers the user's npm config names (here the system Node 20's), and a module
// built for another ABI fails only when the service first opens the journal.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const MIN_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_MAJOR) {
  console.error(
    `native-build: this is Node ${process.version}; the service needs Node ${MIN_MAJOR} LTS. ` +
      'npm ci installs it into node_modules/.bin on linux x64 and arm64; elsewhere install Node 24 and run npm ci again.',
  );
  process.exit(1);
}

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
const loads = () =>
  spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { stdio: 'ignore' })
    .status === 0;

if (loads()) {
  console.log(`native-build: better-sqlite3 loads on Node ${process.version}`);
  process.exit(0);
}
// Node's own headers sit beside its binary (bin/node -> include/node) in the npm runtime package,
// the official images and Debian's nodejs alike; nothing can be downloaded here.
const nodedir = process.env.NATIVE_NODEDIR ?? resolve(dirname(process.execPath), '..');
if (!existsSync(join(nodedir, 'include', 'node', 'node.h'))) {
  console.error(`native-build: no headers for Node ${process.version} in ${nodedir}/include/node; set NATIVE_NODEDIR`);
  process.exit(1);
}
const nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp) {
  console.error('native-build: run through npm (npm ci or npm rebuild), which provides node-gyp');
  process.exit(1);
}
console.log(`native-build: building better-sqlite3 for Node ${process.version} (${nodedir}), about 1.5 min`);
// node-gyp takes npm_config_nodedir (the user's npm config) over its own --nodedir flag.
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release'], {
  cwd: packageDir,
  env: { ...process.env, npm_config_nodedir: nodedir },
  stdio: 'inherit',
});
if (build.status !== 0 || !loads()) {
  console.error('native-build: better-sqlite3 did not build or does not load: see the node-gyp output above');
  process.exit(1);
}
console.log('native-build: done');
