import * as fs from 'node:fs';
import { loadAddon } from '../native/addon.js';
import { BackendObject } from './backend-object.js';
import { type PooledBytes, unpooled } from './buffer-pool.js';
import { lockDirectory } from './directory-lock.js';
import { fdatasync, readFully, writeFully } from './fd-io.js';
import { FileDirectory } from './file-backend.js';
import type { OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/** samsa's own mmap addon (storage/native/mmap.c). */
interface NativeMmap {
  /** The file's first `length` bytes mapped read-only and shared; unmapped by GC once unreachable. */
  mapReadShared(fd: number, length: number): Buffer;
  /** msync(MS_SYNC) of the mapping's first `length` bytes (unused: flush is fdatasync, see MmapObject.flush). */
  syncRange(mapping: Buffer, length: number): void;
  readonly pageSize: number;
}

const addon = loadAddon<NativeMmap>('samsa_mmap');
// Without the addon the page size only sizes mappings that are never made.
const PAGE = 'loaded' in addon ? addon.loaded.pageSize : 4096;

/** The addon, or a StorageError saying why it is missing and what to install. */
function nativeMmap(path: string): NativeMmap {
  if ('loaded' in addon) return addon.loaded;
  throw new StorageError('UNAVAILABLE', path, `storage.backend=mmap cannot be used: ${addon.missing}`);
}

const MIN_CAPACITY = 64 * 1024 * 1024;
// Each growth maps the file anew and the old mapping lives until GC: grow in
// large steps so a segment is remapped a handful of times, not once per doubling.
const MIN_GROWTH = 16 * 1024 * 1024;

// One mapping stays below 2 GiB (mmap-io, used before, took the length as a signed 32-bit int),
// which covers a segment of any size Kafka allows (segment.bytes ≤ 2^31 - 1) but the last page.
const MAX_MAPPING = 2 ** 31 - PAGE;

// Copies of this size and more come from the page cache by pread, not through the mapping: they
// copy either way, and touching a page through a mapping for the first time costs a page-table
// entry, which in this VM runs at 1.5–2 GB/s where pread copies at 7–9 GB/s (a second pass over
// the mapping: 21 GB/s). Slices (`read`) and small copies keep the mapping's zero system calls.
const PREAD_MIN_BYTES = 64 * 1024;

function roundToPage(n: number): number {
  return Math.ceil(n / PAGE) * PAGE;
}

/**
 * An object as a memory-mapped file. The mapping reserves room ahead of the
 * data (the `preallocate` hint, then growth in large steps) and reads are
 * slices of it: no copy, no system call (large copying reads excepted, see
 * PREAD_MIN_BYTES). Bytes reach the file through
 * pwrite at its end, into the same page cache the mapping shows, so the file
 * never extends past its real data: a full disk is an ENOSPC from the write,
 * never a SIGBUS from touching a hole, nothing is written twice (once as
 * zeros to preallocate, once as data) and nothing needs trimming at close.
 * Pages past the end of the file are mapped but never touched. Flush is
 * fdatasync, which covers whatever was written by pwrite.
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
    this.capacity = Math.min(MAX_MAPPING, roundToPage(Math.max(size, preallocate, MIN_CAPACITY)));
    this.map = this.mapFile();
  }

  private mapFile(): Buffer {
    try {
      return nativeMmap(this.path).mapReadShared(this.fd, this.capacity);
    } catch (error) {
      throw StorageError.from(error, this.path, 'mmap');
    }
  }

  /** Maps at least `end` bytes; the old mapping stays valid for slices still held by readers, GC unmaps it. */
  private ensureMapped(end: number): void {
    if (end <= this.capacity) return;
    if (end > MAX_MAPPING) throw new StorageError('RANGE', this.path, `an mmap object holds at most ${MAX_MAPPING} bytes; ${end} asked`);
    this.capacity = Math.min(MAX_MAPPING, roundToPage(Math.max(end, this.capacity * 2, this.capacity + MIN_GROWTH)));
    this.map = this.mapFile();
  }

  async append(bytes: Uint8Array): Promise<number> {
    return this.appendSync(bytes);
  }

  appendSync(bytes: Uint8Array): number {
    this.check();
    const position = this.size;
    writeFully(this.fd, this.path, position, bytes, 'append', position);
    this.size = position + bytes.length;
    this.ensureMapped(this.size);
    return position;
  }

  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    writeFully(this.fd, this.path, position, bytes, 'write', this.size);
    this.size = Math.max(this.size, position + bytes.length);
    this.ensureMapped(this.size);
  }

  async read(position: number, length: number): Promise<PooledBytes> {
    this.checkRead(position);
    const end = Math.min(this.size, position + length);
    return unpooled(this.map.subarray(position, Math.max(position, end)));
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    this.checkRead(position);
    const n = Math.max(0, Math.min(length, this.size - position));
    if (n >= PREAD_MIN_BYTES) readFully(this.fd, this.path, position, target, offset, n, this.size);
    else target.set(this.map.subarray(position, position + n), offset);
    return n;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (error) {
      throw StorageError.from(error, this.path, 'truncate');
    }
    this.size = size;
    this.ensureMapped(size);
  }

  /**
   * fdatasync, not msync: every byte reached the file by pwrite (the mapping
   * is read-only), and the addon's msync would hold the event loop for the
   * whole sync, where fdatasync runs on the thread pool while appends go on.
   */
  async flush(): Promise<void> {
    this.check();
    await fdatasync(this.fd, this.path);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
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
    nativeMmap(path);
    return new MmapDirectory(path, lockDirectory(path));
  },
};
