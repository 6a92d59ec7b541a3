export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface Sample {
  /** The figure compared across contenders (higher is better unless the case says otherwise). */
  value: number;
  /** Extra figures shown beside it, e.g. p99 latency. */
  extra?: Record<string, number>;
}

export interface Contender {
  name: string;
  measure(): Promise<Sample>;
}

/**
 * Runs every contender once per round, in an order that rotates each round, so that drift of a
 * noisy machine (thermal, other processes) falls on all of them alike. Returns samples by name.
 */
export async function interleave(contenders: readonly Contender[], rounds: number): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const contender of order) samples.get(contender.name)?.push(await contender.measure());
  }
  return samples;
}
