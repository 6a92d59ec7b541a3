import { execFileSync } from 'node:child_process';
import { isRoot, makeTempDir, removeDir } from './system.js';

/**
 * A tmpfs of a few megabytes mounted on a temp directory: a journal volume that really fills up
 * (SQLite sees ENOSPC, as on a full PersistentVolume). Mounting needs root (or CAP_SYS_ADMIN).
 */
export class SmallVolume {
  private static readonly live = new Set<SmallVolume>();

  private constructor(readonly dir: string) {}

  static mount(bytes: number): SmallVolume {
    if (!isRoot()) throw new Error('SmallVolume mounts a tmpfs: run the tests as root (or with CAP_SYS_ADMIN)');
    const dir = makeTempDir('volume');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      removeDir(dir);
      throw new Error(`cannot mount a tmpfs on ${dir} (needs CAP_SYS_ADMIN): ${(error as Error).message}`, {
        cause: error,
      });
    }
    const volume = new SmallVolume(dir);
    SmallVolume.live.add(volume);
    return volume;
  }

  unmount(): void {
    try {
      execFileSync('umount', ['-l', this.dir], { stdio: 'pipe' });
    } catch {
      // already unmounted
    }
    removeDir(this.dir);
    SmallVolume.live.delete(this);
  }

  static unmountAll(): void {
    for (const volume of [...SmallVolume.live]) volume.unmount();
  }
}
