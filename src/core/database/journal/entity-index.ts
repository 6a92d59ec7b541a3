/** A 30-bit FNV-1a hash: a small integer, which a Map keeps without allocating. */
export function entityHash(type: string, entityId: string): number {
  let h = 0x811c9dc5;
  const key = `${type}\u0000${entityId}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/**
 * Which journal entries may belong to an entity, kept in memory: the lookup behind reads of
 * journaled commands during an outage. Not a SQLite index: its random pages would be written and
 * fsync'd with every group commit (docs/adr/0009-journal-entity-index.md).
 *
 * Keys are hashes, so an entry costs a few dozen bytes (tens of MB for a million-entry backlog).
 * A hash with one live entry maps to its sequence number; a hash shared by several entries (the
 * same entity journaled twice, or a collision) maps to all of them. Candidates are checked against
 * the row, so the answer is exact.
 */
export class EntityIndex {
  private readonly single = new Map<number, number>();
  private readonly shared = new Map<number, number[]>();
  private count = 0;

  constructor(private readonly hash: (type: string, entityId: string) => number = entityHash) {}

  added(type: string, entityId: string, seq: number): void {
    const h = this.hash(type, entityId);
    this.count += 1;
    const many = this.shared.get(h);
    if (many) {
      many.push(seq);
      return;
    }
    const one = this.single.get(h);
    if (one === undefined) {
      this.single.set(h, seq);
      return;
    }
    this.single.delete(h);
    this.shared.set(h, [one, seq]);
  }

  removed(type: string, entityId: string, seq: number): void {
    const h = this.hash(type, entityId);
    if (this.single.get(h) === seq) {
      this.single.delete(h);
      this.count -= 1;
      return;
    }
    const many = this.shared.get(h);
    const at = many ? many.indexOf(seq) : -1;
    if (!many || at < 0) return;
    many.splice(at, 1);
    this.count -= 1;
    if (many.length === 0) this.shared.delete(h);
  }

  /** Sequence numbers that may hold the entity's entries, newest first. */
  candidates(type: string, entityId: string): number[] {
    const h = this.hash(type, entityId);
    const many = this.shared.get(h);
    if (many) return [...many].sort((a, b) => b - a);
    const one = this.single.get(h);
    return one === undefined ? [] : [one];
  }

  /** Live entries: the journal's backlog (on disk). */
  get size(): number {
    return this.count;
  }
}
