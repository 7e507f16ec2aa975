import type { PooledBytes } from './buffer-pool.js';

/**
 * Where the log engine keeps its bytes. A backend opens log directories; a
 * directory holds named objects (a segment's .log, .index and .timeindex,
 * checkpoint files). The log engine is written once against these interfaces.
 *
 * Methods are async because LevelDB is; the file and mmap backends do their
 * work synchronously inside them (page-cache I/O, no thread-pool hop), so the
 * interface costs one microtask per call, not a system thread round trip.
 */
export interface StorageBackend {
  readonly name: BackendName;
  /** Opens (creating if needed) and locks a log directory; a second opener is refused. */
  openDirectory(path: string, options?: DirectoryOptions): Promise<LogDirectory>;
}

export interface DirectoryOptions {
  /** Where a directory reports failing and recovering (LevelDB's reopen after a failed write); console.warn by default. */
  warn?: (message: string) => void;
}

export type BackendName = 'file' | 'mmap' | 'level';

export interface OpenOptions {
  /** Create the object if it does not exist (default false: a missing object is an error). */
  create?: boolean;
  /** Reserve this many bytes up front where the backend can (indexes are preallocated). */
  preallocate?: number;
}

export interface LogDirectory {
  readonly path: string;
  /** Names of the objects in the directory, sorted. */
  list(): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  open(name: string, options?: OpenOptions): Promise<StorageObject>;
  /** Removes an object (it must not be open). */
  delete(name: string): Promise<void>;
  /** Renames an object (it must not be open); replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Writes a whole small object so that a reader sees either the old or the new content, durably. */
  writeAtomically(name: string, bytes: Uint8Array): Promise<void>;
  /** Reads a whole small object. */
  readAll(name: string): Promise<Buffer>;
  /** Releases the lock; open objects must be closed first. */
  close(): Promise<void>;
}

export interface StorageObject {
  readonly name: string;
  /** Where it is (the directory's path and its name), for messages. */
  readonly path: string;
  /** Bytes written so far (appended and not truncated). */
  readonly size: number;
  /** Appends bytes; resolves with the position they start at. */
  append(bytes: Uint8Array): Promise<number>;
  /**
   * The same, returning at once: offered by backends whose writes are plain
   * system calls (file, mmap), so the log's hot path need not wait a
   * microtask per object it writes. Absent on LevelDB.
   */
  appendSync?(bytes: Uint8Array): number;
  /** Overwrites bytes at a position inside the object (index entries, in-place fixes). */
  write(position: number, bytes: Uint8Array): Promise<void>;
  /**
   * Reads up to `length` bytes at `position`: a slice of mapped memory where
   * the backend can, else a buffer of its own — on the file backend, one of
   * `sharedBufferPool`'s when the read is large (a fetch's). The caller owns
   * the result and releases it once nothing reads the bytes (see
   * PooledBytes). Fewer bytes come back only at the end.
   */
  read(position: number, length: number): Promise<PooledBytes>;
  /**
   * Reads into the caller's buffer, which the caller reuses (fresh memory is
   * slow to touch); resolves with the bytes read, fewer only at the end.
   */
  readInto(position: number, target: Uint8Array, offset?: number, length?: number): Promise<number>;
  /** Cuts the object to `size` bytes. */
  truncate(size: number): Promise<void>;
  /** A durability point: everything written before it survives a crash. */
  flush(): Promise<void>;
  /** Closes; mmap trims its preallocated tail. Further use is an error. */
  close(): Promise<void>;
}
