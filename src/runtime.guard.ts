// Imported first by main.ts, so an unsupported Node stops with one line instead of an ABI error
// from the journal's native module. `npm ci` brings Node 24 into node_modules/.bin (README, "The runtime").
const MIN_MAJOR = 24;

/** Why `version` (as in `process.versions.node`) cannot run the service, or undefined when it can. */
export function unsupportedRuntime(version: string): string | undefined {
  if (Number(version.split('.')[0]) >= MIN_MAJOR) return undefined;
  return `Node ${version} is not supported: run the service with Node ${MIN_MAJOR} LTS (npm start uses node_modules/.bin/node)`;
}

const refusal = unsupportedRuntime(process.versions.node);
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}
