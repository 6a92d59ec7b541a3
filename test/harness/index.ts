export { PostgresCluster, type PostgresNode } from './postgres.js';
export { RedisSetup, type RedisNode } from './redis.js';
export { InfluxServer } from './influx.js';
export { freePort, waitFor, within, requireBinary, makeTempDir, removeDir } from './system.js';
export { spawnServer, killProcess } from './processes.js';
export { AppProcess, MAIN_ENTRY, FIXTURE_ENTRY } from './app-process.js';
export { HttpUpstream, type UpstreamMode } from './http-upstream.js';
export { InProcessApp, TEST_TOKEN } from './app-in-process.js';
export { JwksIssuer } from './jwks-issuer.js';
