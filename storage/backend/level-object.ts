import { BackendObject } from './backend-object.js';
import { type PooledBytes, sharedBufferPool, unpooled } from './buffer-pool.js';
import type { ChunkCache } from './level-chunk-cache.js';
import { type ChunkRead, chunkPuts, readStored, truncation } from './level-chunks.js';
import { chunkKey, chunkPrefix, type Operation, writeBatch } from './level-keys.js';
import type { LevelStore } from './level-store.js';
import type { LevelWriter, WriteSource } from './level-writer.js';
import type { StorageObject } from './storage-backend.js';

const EMPTY = Buffer.alloc(0);
/** The first buffer of a chunk being filled by small appends; it doubles up to the chunk size. */
const FIRST_TAIL_BYTES = 4096;

/** What the objects of one database share. */
export interface LevelContext {
  readonly store: LevelStore;
  readonly writer: LevelWriter;
  readonly cache: ChunkCache;
  readonly chunkBytes: number;
  /** Names the database in cache keys. */
  readonly location: string;
}

/** A completed chunk whose batch is not yet written: read from here meanwhile. */
interface Pinned {
  /** Where `bytes` start: the chunk's start, or later when the chunk was begun before this object was opened. */
  start: number;
  bytes: Buffer;
  batch: number;
}

/**
 * Segment data as LevelDB values of at most `chunkBytes`, aligned on
 * multiples of it (see level-keys.ts). Appends are journaled, then copied
 * into the chunk being filled (the tail), which is held back from the
 * writer's batches until it is full and then written as one value at its
 * start; a batch that must take it before (a flush to LevelDB, a close, a
 * change of the journal's files) takes what it holds as a piece keyed by
 * where it starts, and the rest of the chunk follows as further pieces,
 * never rewritten whole: every write lands above the object's last key.
 * Bytes in memory never change once written there (a truncation copies the
 * tail it keeps), so batches and reads hold views of them.
 */
export class LevelObject extends BackendObject implements StorageObject, WriteSource {
  private readonly prefix: Buffer;
  private readonly owner: string;
  private readonly chunkBytes: number;
  /** The tail: bytes [tailStart, size) of the chunk being filled. */
  private tail: Buffer = EMPTY;
  private tailStart: number;
  /** Where the tail's pieces already handed to a batch start. */
  private pieces: number[] = [];
  /** Bytes from here on have not been handed to a batch. */
  private unsealedFrom: number;
  private readonly pinned = new Map<number, Pinned>();
  private sealedSize: number;
  private sealedBatch = 0;
  /** The size in the last batch written: what the database holds of it. */
  writtenSize: number;
  /** Counts truncations: a read that began before one does not cache what it read. */
  private generation = 0;

  constructor(
    name: string,
    path: string,
    private readonly context: LevelContext,
    private readonly openObjects: Set<LevelObject>,
    size: number,
  ) {
    super(name, path, size);
    this.prefix = chunkPrefix(name);
    this.owner = `${context.location}\0${name}`;
    this.chunkBytes = context.chunkBytes;
    this.tailStart = size;
    this.unsealedFrom = size;
    this.sealedSize = size;
    this.writtenSize = size;
  }

  append(bytes: Uint8Array): Promise<number> {
    this.check();
    const writer = this.context.writer;
    if (writer.writeThrough) return writer.inTurn(() => this.appendThrough(bytes));
    const wait = writer.admit(this.path);
    if (wait) return wait.then(() => this.take(bytes));
    try {
      return Promise.resolve(this.take(bytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Journals the append, then takes it in: answered from here on, it survives a process crash (level-journal.ts). */
  private take(bytes: Uint8Array): number {
    this.check();
    if (bytes.length > 0) this.context.writer.journal.append(this.name, this.size, bytes, this.path);
    return this.accept(bytes);
  }

  /**
   * Short of free space (LevelWriter.writeThrough): the bytes are written as
   * pieces first, once every earlier batch is, and taken in only then, so an
   * append that fails leaves the object as it was.
   */
  private appendThrough(bytes: Uint8Array): Promise<number> {
    const { writer, store, chunkBytes } = this.context;
    return writer.exclusive(this.path, async () => {
      this.check();
      const position = this.size;
      if (bytes.length === 0) return position;
      // With the mark: these bytes are not journaled, so a replay must not begin before them (a cut it replayed would remove them).
      const ops = [...chunkPuts(this.name, position, bytes, chunkBytes), writer.journal.mark()];
      await store.write(this.path, 'append', (db) => writeBatch(db, ops));
      writer.wroteDirectly();
      writer.checkSpace();
      // Everything before was written (exclusive), so the tail has nothing unsealed: what is taken in now is written too.
      this.pieces.push(position);
      this.accept(bytes);
      if (this.size > this.tailStart && !this.pieces.includes(Math.max(position, this.tailStart))) this.pieces.push(Math.max(position, this.tailStart));
      this.unsealedFrom = this.size;
      this.sealedSize = this.size;
      this.writtenSize = this.size;
      return position;
    });
  }

  private accept(bytes: Uint8Array): number {
    this.check();
    const position = this.size;
    for (let at = 0; at < bytes.length; ) {
      const chunkEnd = this.tailStart - (this.tailStart % this.chunkBytes) + this.chunkBytes;
      const n = Math.min(bytes.length - at, chunkEnd - this.size);
      this.reserve(this.size - this.tailStart + n);
      this.tail.set(bytes.subarray(at, at + n), this.size - this.tailStart);
      this.size += n;
      at += n;
      if (this.size === chunkEnd) this.completed(chunkEnd);
    }
    if (bytes.length > 0) this.context.writer.accepted(this, bytes.length);
    return position;
  }

  /** Makes room in the tail for `bytes`: a bigger buffer, the old one left as it is for views of it. */
  private reserve(bytes: number): void {
    if (bytes <= this.tail.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.chunkBytes, Math.max(bytes, this.tail.length * 2, FIRST_TAIL_BYTES)));
    this.tail.copy(grown, 0, 0, this.size - this.tailStart);
    this.tail = grown;
  }

  /** The tail filled its chunk: what no batch took of it is written (the whole chunk, unless pieces went before) and a new tail begun. */
  private completed(chunkEnd: number): void {
    const writer = this.context.writer;
    const chunkStart = chunkEnd - this.chunkBytes;
    const bytes = this.tail.subarray(0, this.size - this.tailStart);
    if (this.unsealedFrom < chunkEnd) {
      writer.enqueue({ type: 'put', key: chunkKey(this.prefix, this.unsealedFrom), value: bytes.subarray(this.unsealedFrom - this.tailStart) });
    }
    this.pinned.set(chunkStart, { start: this.tailStart, bytes, batch: writer.batch });
    this.tail = EMPTY;
    this.tailStart = chunkEnd;
    this.pieces = [];
    this.unsealedFrom = chunkEnd;
  }

  seal(ops: Operation[], batch: number, force: boolean): boolean {
    if (force && this.size > this.unsealedFrom) {
      ops.push({
        type: 'put',
        key: chunkKey(this.prefix, this.unsealedFrom),
        value: this.tail.subarray(this.unsealedFrom - this.tailStart, this.size - this.tailStart),
      });
      this.pieces.push(this.unsealedFrom);
      this.unsealedFrom = this.size;
    }
    this.sealedSize = this.unsealedFrom;
    this.sealedBatch = batch;
    return this.size > this.unsealedFrom;
  }

  written(batch: number): void {
    if (batch >= this.sealedBatch) this.writtenSize = this.sealedSize;
    for (const [start, pin] of this.pinned) {
      if (pin.batch > batch) continue;
      this.pinned.delete(start);
      // Just written, so likely read soon (a consumer at the end of the log): kept in the cache.
      if (pin.start === start) this.context.cache.set(this.owner, start, pin.bytes);
    }
  }

  /** Rare (index rebuilds): rewrites the tail from `position`. */
  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    const tail = (await this.read(position, this.size - position)).bytes;
    const merged = Buffer.alloc(Math.max(tail.length, bytes.length));
    tail.copy(merged);
    merged.set(bytes, 0);
    await this.truncate(position);
    await this.append(merged);
  }

  /** The bytes at `position`: a view when they lie in one buffer in memory (chunks never change in place), else a copy. */
  async read(position: number, length: number): Promise<PooledBytes> {
    this.checkRead(position);
    const end = Math.min(this.size, position + length);
    if (end <= position) return unpooled(EMPTY);
    const found = this.inMemory(position);
    if (found && end <= found.start + found.bytes.length) return unpooled(found.bytes.subarray(position - found.start, end - found.start));
    // Across chunks: into one of the shared pool's buffers when large (a fetch's), recycled and so already mapped.
    const out = sharedBufferPool.acquire(end - position);
    try {
      await this.fill(position, end, out.bytes, 0);
    } catch (error) {
      out.release();
      throw error;
    }
    return out;
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    this.checkRead(position);
    const end = Math.min(this.size, position + length);
    if (end <= position) return 0;
    await this.fill(position, end, target, offset);
    return end - position;
  }

  /** The buffer in memory holding `position` (the tail, a chunk not yet written, a cached chunk) and where it starts. */
  private inMemory(position: number): { bytes: Buffer; start: number } | undefined {
    if (position >= this.tailStart) return { bytes: this.tail.subarray(0, this.size - this.tailStart), start: this.tailStart };
    const chunkStart = position - (position % this.chunkBytes);
    const pin = this.pinned.get(chunkStart);
    if (pin !== undefined && position >= pin.start) return pin;
    const cached = this.context.cache.get(this.owner, chunkStart);
    return cached === undefined ? undefined : { bytes: cached, start: chunkStart };
  }

  /** Copies [position, end) into target[offset…]: from memory where it is, the rest in one read of the database. */
  private async fill(position: number, end: number, target: Uint8Array, offset: number): Promise<void> {
    const stored: ChunkRead[] = [];
    for (let p = position; p < end; ) {
      const chunkStart = p - (p % this.chunkBytes);
      let stop = Math.min(end, chunkStart + this.chunkBytes);
      // The part of a chunk stored before this object was opened ends where the tail or the unwritten rest begins.
      if (p < this.tailStart) stop = Math.min(stop, this.tailStart);
      const pin = this.pinned.get(chunkStart);
      if (pin !== undefined && p < pin.start) stop = Math.min(stop, pin.start);
      const found = this.inMemory(p);
      if (found) target.set(found.bytes.subarray(p - found.start, stop - found.start), offset + p - position);
      else stored.push({ from: p, to: stop, at: offset + p - position });
      p = stop;
    }
    if (stored.length === 0) return;
    const generation = this.generation;
    const { cache, chunkBytes, store } = this.context;
    await store.read(this.path, 'read', (db) =>
      readStored(db, this.name, this.path, chunkBytes, stored, target, (start, chunk) => {
        if (this.generation === generation) cache.set(this.owner, start, chunk);
      }),
    );
  }

  async truncate(size: number): Promise<void> {
    this.check();
    if (size >= this.size) {
      if (size > this.size) await this.append(Buffer.alloc(size - this.size));
      return;
    }
    this.generation++;
    if (size >= this.tailStart) {
      this.cutTail(size);
      return;
    }
    // Below the tail: once everything is written, cut what is stored and begin a tail at the cut.
    const { writer, store, cache } = this.context;
    await writer.exclusive(this.path, async () => {
      // Synced: a flush syncs only the journal, whose later entries follow this cut; replay starts after it (the mark).
      await store.write(this.path, 'truncate', async (db) => writeBatch(db, [...(await truncation(db, this.name, size)), writer.journal.mark()], true));
      this.generation++;
      cache.drop(this.owner, size - (size % this.chunkBytes));
      this.pinned.clear();
      this.size = size;
      this.sealedSize = size;
      this.writtenSize = size;
      this.tail = EMPTY;
      this.tailStart = size;
      this.pieces = [];
      this.unsealedFrom = size;
    });
  }

  /** A cut inside the tail: its pieces past the cut deleted in the next batch, the one across it written again with the tail when a batch next takes it. */
  private cutTail(size: number): void {
    this.context.writer.journal.truncate(this.name, size, this.path);
    const kept = Buffer.allocUnsafe(this.tail.length);
    this.tail.copy(kept, 0, 0, size - this.tailStart);
    this.tail = kept;
    if (size < this.unsealedFrom) {
      const before = this.pieces.filter((piece) => piece < size);
      for (const piece of this.pieces) if (piece >= size) this.context.writer.enqueue({ type: 'del', key: chunkKey(this.prefix, piece) });
      // The piece across the cut is put again from the tail, under its key.
      this.unsealedFrom = before.pop() ?? this.tailStart;
      this.pieces = before;
    }
    this.size = size;
    this.context.writer.accepted(this, 0);
  }

  async flush(): Promise<void> {
    this.check();
    await this.context.writer.flush(this.path);
  }

  /** Waits for what was appended to be in the database, so that the next opener finds it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.openObjects.delete(this);
    await this.context.writer.settle(this.path);
  }
}
