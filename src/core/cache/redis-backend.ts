import { createClient, createSentinel, type RedisClientType } from '@redis/client';
import { Logger } from '@nestjs/common';
import { secretRedactor } from '../common/index.js';
import { SpanKind, spans } from '../tracing/index.js';

export interface RedisBackendOptions {
  url?: string;
  sentinels: Array<{ host: string; port: number }>;
  sentinelMaster?: string;
  sentinelPassword?: string;
  redisPassword?: string;
  connectTimeoutMs: number;
}

/** The commands the cache needs, whatever the topology. */
export interface RedisBackend {
  readonly isReady: boolean;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
  del(keys: string[]): Promise<unknown>;
  ping(): Promise<unknown>;
  /** INCR, with the expiry set on the first hit; answers [count, ms left]. One atomic script. */
  incr(key: string, ttlMs: number): Promise<[number, number]>;
  /** Deletes every key under `prefix` (SCAN + UNLINK, in batches). */
  deletePrefix(prefix: string): Promise<void>;
  /** Where writes go now: `host:port` of the master. */
  master(): string | undefined;
  readonly topology: 'standalone' | 'sentinel';
  close(): Promise<void>;
}

// Fail fast while disconnected (no offline queue that grows without bound) and keep reconnecting
// with capped, jittered backoff in the background.
const socket = (connectTimeoutMs: number) => ({
  connectTimeout: connectTimeoutMs,
  reconnectStrategy: (retries: number) =>
    Math.min(2000, 50 * 2 ** Math.min(retries, 6)) + Math.floor(Math.random() * 100),
});

const INCR_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type Client = RedisClientType<{}, {}, {}, 2, {}>;

/** node-redis client or Sentinel-managed master, with every error event handled. */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  const logger = new Logger('Cache');
  let lastError = '';
  const onError = (error: Error) => {
    const message = secretRedactor.scrub(error.message);
    if (message !== lastError) logger.warn(`redis: ${message}`);
    lastError = message;
  };
  if (options.sentinels.length > 0) {
    const sentinel = createSentinel({
      name: options.sentinelMaster as string,
      sentinelRootNodes: options.sentinels,
      nodeClientOptions: {
        password: options.redisPassword,
        disableOfflineQueue: true,
        socket: socket(options.connectTimeoutMs),
      },
      sentinelClientOptions: { password: options.sentinelPassword, socket: socket(options.connectTimeoutMs) },
    });
    sentinel.on('error', onError);
    sentinel.connect().catch(onError);
    return wrap(sentinel as unknown as Client, 'sentinel', () => {
      const node = (
        sentinel as unknown as { getMasterNode?: () => { host: string; port: number } | undefined }
      ).getMasterNode?.();
      return node ? `${node.host}:${node.port}` : undefined;
    });
  }
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: socket(options.connectTimeoutMs),
  });
  client.on('error', onError);
  client.connect().catch(onError);
  return wrap(client, 'standalone', () => {
    const url = new URL(options.url as string);
    return `${url.hostname}:${url.port || 6379}`;
  });
}

/** A client span per cache command, with tracing on: the command's name, never its key or value. */
function traced<T>(command: string, topology: RedisBackend['topology'], fn: () => Promise<T>): Promise<T> {
  return spans.run(
    `redis ${command}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'redis',
        'db.system.name': 'redis',
        'db.operation.name': command,
        'redis.topology': topology,
      },
    },
    fn,
  );
}

function wrap(client: Client, topology: RedisBackend['topology'], master: () => string | undefined): RedisBackend {
  const set = (key: string, value: string, ttlMs: number) =>
    client.set(key, value, { expiration: { type: 'PX', value: ttlMs } });
  const incr = async (key: string, ttlMs: number) =>
    (await client.eval(INCR_SCRIPT, { keys: [key], arguments: [String(ttlMs)] })) as [number, number];
  // Tracing off: the command itself, no closure and no span.
  return {
    topology,
    get isReady() {
      return client.isReady;
    },
    get: (key) => (spans.on ? traced('GET', topology, () => client.get(key)) : client.get(key)),
    set: (key, value, ttlMs) =>
      spans.on ? traced('SET', topology, () => set(key, value, ttlMs)) : set(key, value, ttlMs),
    del: (keys) =>
      keys.length === 0
        ? Promise.resolve(0)
        : spans.on
          ? traced('UNLINK', topology, () => client.unlink(keys))
          : client.unlink(keys),
    ping: () => client.ping(),
    incr: (key, ttlMs) => (spans.on ? traced('INCR', topology, () => incr(key, ttlMs)) : incr(key, ttlMs)),
    async deletePrefix(prefix) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    },
    master,
    async close() {
      await client.close().catch(() => client.destroy());
    },
  };
}
