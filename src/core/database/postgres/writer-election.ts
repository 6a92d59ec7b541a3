/** What the election needs to know of one target, as its last probe saw it. */
export interface ElectionInput {
  name: string;
  reachable: boolean;
  role: 'writer' | 'replica' | 'unknown';
  /** The timeline it is on (a writer's current WAL timeline; a replica's last restartpoint's). */
  timeline: number;
  /** `pg_control_system().system_identifier`: the same for a primary and every replica of it. */
  systemId?: string;
}

export interface Election {
  writer?: string;
  /** Targets that accept writes but lose the election: never written to. */
  fenced: string[];
  /** Why there is no writer although a target accepts writes (health shows it). */
  undecided?: string;
  /** The highest timeline known, to remember across restarts. */
  timeline: number;
}

/**
 * The writer rule every instance computes alike from what Postgres says, whenever it started:
 * among the targets that accept writes, the one on the highest timeline wins. A promotion always
 * starts a new timeline, so an old primary that comes back writable next to the promoted replica
 * is on a lower one and is fenced. `knownTimeline` is the highest timeline this instance has ever
 * seen (persisted), so an old primary is fenced even while the promoted server is out of reach.
 * When the rule cannot decide (two writers on one timeline, or targets of different clusters),
 * nobody is written to: the commands go to the journal.
 */
export function electWriter(targets: readonly ElectionInput[], knownTimeline = 0): Election {
  const reachable = targets.filter((t) => t.reachable && t.role !== 'unknown');
  const timeline = Math.max(knownTimeline, ...reachable.map((t) => t.timeline));
  const writable = reachable.filter((t) => t.role === 'writer');
  const systems = new Set(reachable.map((t) => t.systemId).filter((id) => id !== undefined));
  if (systems.size > 1) {
    return {
      fenced: writable.map((t) => t.name),
      timeline,
      undecided: `the targets belong to ${systems.size} different Postgres clusters (system identifiers differ)`,
    };
  }
  const winners = writable.filter((t) => t.timeline === timeline);
  const fenced = writable.filter((t) => t.timeline < timeline).map((t) => t.name);
  if (winners.length === 1) return { writer: winners[0].name, fenced, timeline };
  if (winners.length > 1) {
    return {
      fenced: writable.map((t) => t.name),
      timeline,
      undecided: `${winners.map((t) => t.name).join(' and ')} both accept writes on timeline ${timeline}`,
    };
  }
  if (fenced.length > 0) {
    return {
      fenced,
      timeline,
      undecided: `${fenced.join(' and ')} accept writes on a timeline below ${timeline}, the highest seen: an old primary; waiting for the promoted one`,
    };
  }
  return { fenced, timeline };
}
