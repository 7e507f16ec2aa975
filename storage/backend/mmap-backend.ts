import * as fs from 'node:fs';
import mmapModule from 'mmap-io';
import { BackendObject } from './backend-object.js';
import { lockDirectory } from './directory-lock.js';
import { FileDirectory } from './file-backend.js';
import type { OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

// mmap-io is CommonJS whose module.exports is the API itself, while its typings
// declare an ES default export; at run time the default import is the API.
const mmap = mmapModule as unknown as typeof mmapModule.default;

const MIN_CAPACITY = 64 * 1024;
// Each growth maps the file anew and the old mapping lives until GC: grow in
// large steps so a segment is remapped a handful of times, not once per doubling.
const MIN_GROWTH = 16 * 1024 * 1024;
const PAGE = mmap.PAGESIZE;
// Growth writes real zeros rather than extending the file sparsely: on a full
// disk a write fails with ENOSPC, while touching a sparse mapped page would
// kill the process with SIGBUS.
const ZEROS = Buffer.alloc(1024 * 1024);

function roundToPage(n: number): number {
  return Math.ceil(n / PAGE) * PAGE;
}

/**
 * An object as a memory-mapped file: the file is preallocated and mapped,
 * appends copy into the mapping, reads are slices of it (no copy), flush is
 * msync. On close the preallocated tail is trimmed so the file holds only
 * real bytes, as Kafka trims its mmapped indexes. After a crash the tail is
 * zeros, which the log engine's recovery recognises as the end of the data.
 */
export class MmapObject extends BackendObject implements StorageObject {
  private map: Buffer;
  private capacity: number;

  constructor(
    name: string,
    path: string,
    private readonly fd: number,
    size: number,
    preallocate: number,
  ) {
    super(name, path, size);
    this.capacity = roundToPage(Math.max(size, preallocate, MIN_CAPACITY));
    this.extendFile(size, this.capacity);
    this.map = this.mapFile();
  }

  private mapFile(): Buffer {
    try {
      return mmap.map(this.capacity, 3 /* PROT_READ | PROT_WRITE */, mmap.MAP_SHARED, this.fd, 0, mmap.MADV_NORMAL);
    } catch (error) {
      throw StorageError.from(error, this.path, 'mmap');
    }
  }

  private extendFile(from: number, to: number): void {
    try {
      // A nearly full disk gives short writes before ENOSPC: the file must really
      // reach `to` before it is mapped, or touching its end would raise SIGBUS.
      for (let at = from; at < to; ) {
        const n = fs.writeSync(this.fd, ZEROS, 0, Math.min(ZEROS.length, to - at), at);
        if (n === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        at += n;
      }
    } catch (error) {
      throw StorageError.from(error, this.path, 'preallocate');
    }
  }

  private ensureCapacity(end: number): void {
    if (end <= this.capacity) return;
    const next = roundToPage(Math.max(end, this.capacity * 2, this.capacity + MIN_GROWTH));
    this.extendFile(this.capacity, next);
    this.capacity = next;
    // The old mapping stays valid for slices still held by readers; GC unmaps it.
    this.map = this.mapFile();
  }

  async append(bytes: Uint8Array): Promise<number> {
    this.check();
    const position = this.size;
    this.ensureCapacity(position + bytes.length);
    this.map.set(bytes, position);
    this.size = position + bytes.length;
    return position;
  }

  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    this.ensureCapacity(position + bytes.length);
    this.map.set(bytes, position);
    this.size = Math.max(this.size, position + bytes.length);
  }

  async read(position: number, length: number): Promise<Buffer> {
    this.check();
    const end = Math.min(this.size, position + length);
    return this.map.subarray(position, Math.max(position, end));
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    this.check();
    const n = Math.max(0, Math.min(length, this.size - position));
    target.set(this.map.subarray(position, position + n), offset);
    return n;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    if (size < this.size) this.map.fill(0, size, this.size); // a crash must not resurrect cut bytes
    this.ensureCapacity(size);
    this.size = size;
  }

  async flush(): Promise<void> {
    this.check();
    try {
      mmap.sync(this.map, 0, roundToPage(Math.max(this.size, 1)), true, false);
    } catch (error) {
      throw StorageError.from(error, this.path, 'msync');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    try {
      fs.ftruncateSync(this.fd, this.size);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

class MmapDirectory extends FileDirectory {
  protected override wrap(name: string, path: string, fd: number, size: number, options: OpenOptions): StorageObject {
    return new MmapObject(name, path, fd, size, options.preallocate ?? 0);
  }
}

export const mmapBackend: StorageBackend = {
  name: 'mmap',
  async openDirectory(path) {
    return new MmapDirectory(path, lockDirectory(path));
  },
};
