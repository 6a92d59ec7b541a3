import { closeSync, fsyncSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface JournalDiskOptions {
  /** Below this many free bytes the volume counts as full (0: only a failed write says so). */
  minFreeBytes: number;
  /** Bytes kept in `<journal>.reserve`, given back to let a replay settle on a full volume (0: none). */
  reserveBytes: number;
}

export interface JournalVolumeView {
  /** The journal cannot count on its next write: a write failed for want of space, or free space is under the floor. */
  full: boolean;
  freeBytes?: number;
  reserve: 'held' | 'released' | 'none';
  reason?: string;
}

/** SQLite's own word for a volume with no room (ENOSPC, EDQUOT), and the I/O error some file systems give instead. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'ENOSPC' || code === 'EDQUOT';
}

const RESERVE_RETRY_MS = 5_000;
const CHUNK = 64 * 1024;

/**
 * What the journal knows of the volume it lives on. Free space is read with statfs when asked (a
 * health check), never on the write path; a write that failed for want of space marks the volume
 * full until a later write succeeds or statfs shows the floor is free again. The reserve is a
 * plain file of real blocks written at boot: the journal gives it back only to settle a replay
 * (deletes and dead letters need room for their WAL frames), never to take new entries, so a
 * full volume drains into Postgres instead of replaying the same batch forever. It is written
 * again once the volume has room for it and the floor.
 */
export class JournalVolume {
  private failure?: string;
  private reserveHeld = false;
  private lastReserveAttempt = Number.NEGATIVE_INFINITY;
  private readonly reservePath: string;

  constructor(
    journalPath: string,
    private readonly options: JournalDiskOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.reservePath = `${journalPath}.reserve`;
    // A previous process's reserve is still ours: on a full volume it may be all that is left.
    this.reserveHeld = options.reserveBytes > 0 && this.reserveSize() >= options.reserveBytes;
    this.keepReserve();
  }

  private reserveSize(): number {
    try {
      return statSync(this.reservePath).size;
    } catch {
      return 0;
    }
  }

  /** A write to the journal failed: if for want of space, the volume is full until proven otherwise. */
  writeFailed(error: unknown): void {
    if (isDiskFull(error)) this.failure = (error as Error).message;
  }

  /** A write to the journal went through: there was room for it. */
  writeSucceeded(): void {
    this.failure = undefined;
    if (!this.reserveHeld) this.keepReserve();
  }

  /** Gives the reserve back to the file system; true when there was one to give. */
  release(): boolean {
    if (!this.reserveHeld) return false;
    rmSync(this.reservePath, { force: true });
    this.reserveHeld = false;
    this.lastReserveAttempt = this.now();
    return true;
  }

  freeBytes(): number | undefined {
    try {
      const stats = statfsSync(dirname(this.reservePath));
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  }

  view(): JournalVolumeView {
    const freeBytes = this.freeBytes();
    const underFloor = freeBytes !== undefined && freeBytes < this.options.minFreeBytes;
    // The failure stands until a write succeeds, or the floor is free again (space was made).
    if (this.failure && freeBytes !== undefined && !underFloor && this.options.minFreeBytes > 0)
      this.failure = undefined;
    if (!this.reserveHeld && !underFloor) this.keepReserve();
    const reserve = this.options.reserveBytes === 0 ? 'none' : this.reserveHeld ? 'held' : 'released';
    const full = this.failure !== undefined || underFloor;
    const reason = this.failure
      ? `a write failed: ${this.failure}`
      : underFloor
        ? `${freeBytes} bytes free, under DB_JOURNAL_MIN_FREE_BYTES (${this.options.minFreeBytes})`
        : undefined;
    return { full, ...(freeBytes !== undefined && { freeBytes }), reserve, ...(reason && { reason }) };
  }

  /** Writes the reserve if it is missing and the volume has room for it; at most every few seconds. */
  private keepReserve(): void {
    const size = this.options.reserveBytes;
    if (size === 0 || this.reserveHeld) return;
    if (this.now() - this.lastReserveAttempt < RESERVE_RETRY_MS) return;
    this.lastReserveAttempt = this.now();
    const free = this.freeBytes();
    if (free !== undefined && free < size + this.options.minFreeBytes) return;
    let fd: number | undefined;
    try {
      fd = openSync(this.reservePath, 'w');
      const zeros = Buffer.alloc(Math.min(CHUNK, size));
      for (let written = 0; written < size; written += zeros.length)
        writeSync(fd, zeros, 0, Math.min(zeros.length, size - written));
      fsyncSync(fd);
      this.reserveHeld = true;
    } catch {
      rmSync(this.reservePath, { force: true });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
