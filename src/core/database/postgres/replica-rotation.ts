import type { PgTarget } from './pg-target.js';
import type { PostgresTargets } from './postgres-targets.js';

/** The readable replicas from a random start: reads and replica lookups spread over them. */
export function shuffledReplicas(targets: PostgresTargets): PgTarget[] {
  const replicas = targets.readableReplicas();
  if (replicas.length < 2) return replicas;
  const start = Math.floor(Math.random() * replicas.length);
  return [...replicas.slice(start), ...replicas.slice(0, start)];
}
