// Imported first by main.ts, so an unsupported Node stops with one line instead of an ABI error
// from the journal's native module. `npm ci` brings Node 24 into node_modules/.bin (README, "The runtime").
const MIN_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < MIN_MAJOR) {
  process.stderr.write(
    `Node ${process.version} is not supported: run the service with Node ${MIN_MAJOR} LTS (npm start uses node_modules/.bin/node)\n`,
  );
  process.exit(1);
}
export {};
