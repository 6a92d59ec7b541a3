import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';

export interface ServerLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

// Descriptors kept free under the process's limit for everything that is not a client socket:
// Postgres and Redis pools, the journal, the management port, probes, logs.
const FD_RESERVE = 64;

/** The soft limit on open files (Linux /proc), if it can be read. */
export function openFileLimit(limitsText = safeRead('/proc/self/limits')): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limitsText ?? '');
  return match && match[1] !== 'unlimited' ? Number(match[1]) : undefined;
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The connection cap applied: the configured one, kept FD_RESERVE under the file limit. */
export function connectionCap(configured: number, fileLimit = openFileLimit()): number {
  return fileLimit === undefined ? configured : Math.max(1, Math.min(configured, fileLimit - FD_RESERVE));
}

/**
 * Node's own bounds on the main listener, which Fastify leaves open (`requestTimeout` 0): a cap
 * on open connections (past it Node closes a new socket at once instead of running out of file
 * descriptors), the time to send headers and the whole request (a never-finished chunked body is
 * answered 408 and closed), and the keep-alive idle time. Node checks the timeouts every
 * `connectionsCheckingInterval`; it is set to a quarter of the shortest, so a bound is kept
 * within 25%, not within Node's default 30 s.
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.maxConnections = connectionCap(limits.maxConnections);
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    250,
    Math.floor(server.headersTimeout / 4),
  );
}
