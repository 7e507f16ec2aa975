import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from './make-directory.js';
import { StorageError } from './storage-error.js';

/** Kafka's name for the lock file in each log directory. */
export const LOCK_FILE = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes a log directory for this process: `.lock` is created exclusively and
 * holds our PID. A lock left by a process that no longer runs (a crash) is
 * taken over; one held by a live process is refused with a LOCKED error.
 */
export function lockDirectory(dir: string): () => void {
  try {
    makeDirectory(dir);
  } catch (error) {
    throw StorageError.from(error, dir, 'creating the log directory');
  }
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw StorageError.from(error, path, 'creating the lock file');
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      // Unreadable or vanished: treated as stale below.
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new StorageError('LOCKED', dir, `log directory is locked by process ${holder}`);
    }
    try {
      unlinkSync(path); // stale: its process is gone
    } catch {
      // Someone else removed it first; try again.
    }
  }
  throw new StorageError('LOCKED', dir, 'could not take the log directory lock');
}
