import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isDiskFull, JournalVolume } from './journal-volume.js';

const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

describe(JournalVolume.name, () => {
  let dir: string;
  let journal: string;
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-volume-'));
    journal = join(dir, 'journal.sqlite');
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a reserve of real blocks beside the journal at boot, and adopts one already there', () => {
    new JournalVolume(journal, { minFreeBytes: 0, reserveBytes: 200_000 }, clock);
    const reserve = statSync(`${journal}.reserve`);
    assert.equal(reserve.size, 200_000);
    assert.ok(reserve.blocks * 512 >= 200_000, 'not a sparse file');
    const again = new JournalVolume(journal, { minFreeBytes: 0, reserveBytes: 200_000 }, clock);
    assert.equal(again.view().reserve, 'held');
  });

  it('gives the reserve back once, and writes it again only after a pause with room for it', () => {
    const volume = new JournalVolume(journal, { minFreeBytes: 0, reserveBytes: 100_000 }, clock);
    assert.equal(volume.release(), true);
    assert.equal(existsSync(`${journal}.reserve`), false);
    assert.equal(volume.release(), false, 'nothing left to give');
    volume.writeSucceeded();
    assert.equal(volume.view().reserve, 'released', 'not within the pause');
    now += 5_000;
    assert.equal(volume.view().reserve, 'held');
    assert.equal(statSync(`${journal}.reserve`).size, 100_000);
  });

  it('counts as full after a write that failed for want of space, until a write succeeds', () => {
    const volume = new JournalVolume(journal, { minFreeBytes: 0, reserveBytes: 0 }, clock);
    volume.writeFailed(new Error('SQLITE_BUSY'));
    assert.equal(volume.view().full, false, 'not every failure is a full disk');
    volume.writeFailed(full);
    const view = volume.view();
    assert.equal(view.full, true);
    assert.match(view.reason ?? '', /a write failed: database or disk is full/);
    assert.equal(view.reserve, 'none');
    volume.writeSucceeded();
    assert.equal(volume.view().full, false);
  });

  it('counts as full under the floor of free space, and names the variable', () => {
    const volume = new JournalVolume(journal, { minFreeBytes: Number.MAX_SAFE_INTEGER, reserveBytes: 0 }, clock);
    const view = volume.view();
    assert.equal(view.full, true);
    assert.ok((view.freeBytes ?? 0) > 0);
    assert.match(view.reason ?? '', /under DB_JOURNAL_MIN_FREE_BYTES/);
  });

  it('does not write a reserve the volume has no room for beside the floor', () => {
    const volume = new JournalVolume(journal, { minFreeBytes: Number.MAX_SAFE_INTEGER - 10, reserveBytes: 5 }, clock);
    assert.equal(existsSync(`${journal}.reserve`), false);
    assert.equal(volume.view().reserve, 'released');
  });

  it('tells a full disk from other errors', () => {
    assert.equal(isDiskFull(full), true);
    assert.equal(isDiskFull(Object.assign(new Error('x'), { code: 'ENOSPC' })), true);
    assert.equal(isDiskFull(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' })), false);
    assert.equal(isDiskFull(undefined), false);
  });
});
