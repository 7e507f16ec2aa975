import * as fs from 'node:fs';
import { StorageError } from './storage-error.js';

/**
 * pwrite until every byte is written (a short write is retried from where it
 * stopped). A write that fails part way (a full disk) cuts the file back to
 * `sizeBefore`, so the part that fit is not taken for data after a restart.
 */
export function writeFully(fd: number, path: string, position: number, bytes: Uint8Array, action: string, sizeBefore: number): void {
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
  } catch (error) {
    if (position + done > sizeBefore) {
      try {
        fs.ftruncateSync(fd, sizeBefore);
      } catch {
        // the failure reported is the write's
      }
    }
    throw StorageError.from(error, path, action);
  }
}

/**
 * fdatasync on the thread pool, not the event loop: appends go on while the
 * disk works, and the next sync covers them all (the log's group commit).
 */
export function fdatasync(fd: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(StorageError.from(error, path, 'flush')) : resolve())));
}

/**
 * pread of exactly `length` bytes, which the caller knows the file holds: an
 * early end of file means the file shrank under us, a CORRUPT StorageError.
 */
export function readFully(fd: number, path: string, position: number, target: Uint8Array, offset: number, length: number, expectedSize: number): void {
  let done = 0;
  try {
    while (done < length) {
      const n = fs.readSync(fd, target, offset + done, length - done, position + done);
      if (n === 0) throw new StorageError('CORRUPT', path, `file ends at ${position + done}, expected ${expectedSize} bytes`);
      done += n;
    }
  } catch (error) {
    throw StorageError.from(error, path, 'read');
  }
}
