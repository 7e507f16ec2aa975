import { join } from 'node:path';
import { Level } from 'level';
import { BackendObject } from './backend-object.js';
import { type PooledBytes, unpooled } from './buffer-pool.js';
import { lockDirectory } from './directory-lock.js';
import { checkObjectName } from './file-backend.js';
import { type Db, LevelStore, levelStorageError } from './level-store.js';
import type { DirectoryOptions, LogDirectory, OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/** The LevelDB database inside each log directory. */
export const LEVEL_DATABASE = 'samsa.leveldb';

// Keys: "d" name 0x00 position(8 bytes, big-endian) → one chunk of bytes (one per append);
//       "m" name → the object's size (8 bytes). Positions sort numerically, so the
// chunk covering a position is one reverse seek away, and an object's chunks are
// one key range, so deleting it is a single range delete.
type Operation = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

function chunkKey(name: string, position: number): Buffer {
  const prefix = Buffer.from(`d${name}\0`, 'utf8');
  const key = Buffer.allocUnsafe(prefix.length + 8);
  prefix.copy(key);
  key.writeBigUInt64BE(BigInt(position), prefix.length);
  return key;
}

function chunkRange(name: string): { gte: Buffer; lt: Buffer } {
  return { gte: chunkKey(name, 0), lt: Buffer.from(`d${name}\u0001`, 'utf8') };
}

function metaKey(name: string): Buffer {
  return Buffer.from(`m${name}`, 'utf8');
}

function encodeSize(size: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(size));
  return b;
}

function positionOf(key: Buffer): number {
  return Number(key.readBigUInt64BE(key.length - 8));
}

/** The size recorded for an object; undefined if there is none. */
async function storedSize(db: Db, name: string): Promise<number | undefined> {
  const value = await db.get(metaKey(name));
  return value === undefined ? undefined : Number(value.readBigUInt64BE(0));
}

/** The bytes [position, end) of an object, assembled from its chunks. */
async function readChunks(db: Db, name: string, path: string, position: number, end: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(end - position);
  const range = chunkRange(name);
  // Seek back to the chunk that covers `position`, then walk forward.
  const [first] = await db.keys({ lte: chunkKey(name, position), gte: range.gte, reverse: true, limit: 1 }).all();
  const start = first === undefined ? 0 : positionOf(first);
  let filled = 0;
  // Bounded by `end` so the iterator does not prefetch chunks past the read.
  for await (const [key, value] of db.iterator({ gte: chunkKey(name, start), lt: chunkKey(name, end) })) {
    const chunkStart = positionOf(key);
    const from = Math.max(position, chunkStart);
    const to = Math.min(end, chunkStart + value.length);
    if (to > from) {
      value.copy(out, from - position, from - chunkStart, to - chunkStart);
      filled += to - from;
    }
  }
  if (filled !== out.length) throw new StorageError('CORRUPT', path, `chunks of '${name}' cover ${filled} of ${out.length} bytes at ${position}`);
  return out;
}

/** The writes that cut an object to `size` bytes: chunks past it deleted, the one across it shortened, the size recorded. */
async function truncation(db: Db, name: string, size: number): Promise<Operation[]> {
  const range = chunkRange(name);
  const [covering] = await db.iterator({ lt: chunkKey(name, size), gte: range.gte, reverse: true, limit: 1 }).all();
  const ops: Operation[] = [];
  for await (const key of db.keys({ gte: chunkKey(name, size), lt: range.lt })) ops.push({ type: 'del', key });
  if (covering) {
    const [key, value] = covering;
    const start = positionOf(key);
    if (start + value.length > size) ops.push({ type: 'put', key, value: value.subarray(0, size - start) });
  }
  ops.push({ type: 'put', key: metaKey(name), value: encodeSize(size) });
  return ops;
}

class LevelObject extends BackendObject implements StorageObject {
  constructor(
    name: string,
    path: string,
    private readonly store: LevelStore,
    private readonly openObjects: Set<LevelObject>,
    size: number,
  ) {
    super(name, path, size);
  }

  async append(bytes: Uint8Array): Promise<number> {
    this.check();
    const position = this.size;
    if (bytes.length === 0) return position;
    await this.store.write(this.path, 'append', (db) =>
      db.batch([
        { type: 'put', key: chunkKey(this.name, position), value: Buffer.from(bytes) },
        { type: 'put', key: metaKey(this.name), value: encodeSize(position + bytes.length) },
      ]),
    );
    this.size = position + bytes.length;
    return position;
  }

  /** Rare (index rebuilds): rewrites the tail from `position` as one chunk. */
  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    const tail = await this.readBytes(position, this.size - position);
    const merged = Buffer.alloc(Math.max(tail.length, bytes.length));
    tail.copy(merged);
    merged.set(bytes, 0);
    await this.truncate(position);
    await this.append(merged);
  }

  read(position: number, length: number): Promise<PooledBytes> {
    return this.readBytes(position, length).then(unpooled);
  }

  /** The bytes at `position`, gathered from their chunks into a new buffer. */
  private async readBytes(position: number, length: number): Promise<Buffer> {
    this.checkRead(position);
    const end = Math.min(this.size, position + length);
    if (end <= position) return Buffer.alloc(0);
    return this.store.read(this.path, 'read', (db) => readChunks(db, this.name, this.path, position, end));
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    const bytes = await this.readBytes(position, length);
    target.set(bytes, offset);
    return bytes.length;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    if (size >= this.size) {
      if (size > this.size) await this.append(Buffer.alloc(size - this.size));
      return;
    }
    await this.store.write(this.path, 'truncate', async (db) => db.batch(await truncation(db, this.name, size)));
    this.size = size;
  }

  async flush(): Promise<void> {
    this.check();
    // LevelDB's log is sequential: one synced write makes every earlier write durable.
    await this.store.write(this.path, 'flush', (db) => db.put(metaKey(this.name), encodeSize(this.size), { sync: true }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.openObjects.delete(this);
  }
}

class LevelDirectory implements LogDirectory {
  private closed = false;
  private readonly store: LevelStore;
  /** The objects open now: their sizes are what a reopened database must agree with. */
  private readonly openObjects = new Set<LevelObject>();

  constructor(
    readonly path: string,
    db: Db,
    private readonly unlock: () => void,
    private readonly warn: (message: string) => void,
  ) {
    this.store = new LevelStore(db, join(path, LEVEL_DATABASE), warn, (reopened) => this.agreeOnSizes(reopened));
  }

  /**
   * After a reopen: a write reported as failed may have reached LevelDB's log
   * all the same and been replayed, so objects whose stored size is larger than
   * the size they were left at are cut back to it.
   */
  private async agreeOnSizes(db: Db): Promise<void> {
    const sizes = new Map<string, number>();
    for (const object of this.openObjects) sizes.set(object.name, Math.max(object.size, sizes.get(object.name) ?? 0));
    for (const [name, size] of sizes) {
      const stored = await storedSize(db, name);
      if (stored === undefined || stored < size) {
        this.warn(`${join(this.path, name)}: the reopened database holds ${stored ?? 'no'} bytes of it, ${size} were written`);
      } else if (stored > size) {
        await db.batch(await truncation(db, name, size));
      }
    }
  }

  private objectPath(name: string): string {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    return checkObjectName(this.path, name);
  }

  async list(): Promise<string[]> {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    const keys = await this.store.read(this.path, 'listing', (db) => db.keys({ gte: Buffer.from('m'), lt: Buffer.from('n') }).all());
    return keys.map((k) => k.subarray(1).toString('utf8')).sort();
  }

  async exists(name: string): Promise<boolean> {
    const path = this.objectPath(name);
    return (await this.store.read(path, 'exists', (db) => storedSize(db, name))) !== undefined;
  }

  async open(name: string, options: OpenOptions = {}): Promise<StorageObject> {
    const path = this.objectPath(name);
    let size = await this.store.read(path, 'open', (db) => storedSize(db, name));
    if (size === undefined) {
      if (!options.create) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      size = await this.store.write(path, 'create', async (db) => {
        const found = await storedSize(db, name);
        if (found === undefined) await db.put(metaKey(name), encodeSize(0));
        return found ?? 0;
      });
    }
    const object = new LevelObject(name, path, this.store, this.openObjects, size);
    this.openObjects.add(object);
    return object;
  }

  async delete(name: string): Promise<void> {
    const path = this.objectPath(name);
    if ((await this.store.read(path, 'delete', (db) => storedSize(db, name))) === undefined)
      throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
    await this.store.write(path, 'delete', async (db) => {
      await db.clear(chunkRange(name));
      await db.del(metaKey(name));
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const path = this.objectPath(from);
    this.objectPath(to);
    const size = await this.store.read(path, 'rename', (db) => storedSize(db, from));
    if (size === undefined) throw new StorageError('NOT_FOUND', path, `object '${from}' does not exist`);
    await this.store.write(path, 'rename', async (db) => {
      // One batch: LevelDB applies it atomically, so a crash leaves either name, never both or neither.
      const ops: Operation[] = [];
      for await (const key of db.keys(chunkRange(to))) ops.push({ type: 'del', key });
      for await (const [key, value] of db.iterator(chunkRange(from))) {
        ops.push({ type: 'del', key }, { type: 'put', key: chunkKey(to, positionOf(key)), value });
      }
      ops.push({ type: 'del', key: metaKey(from) }, { type: 'put', key: metaKey(to), value: encodeSize(size) });
      await db.batch(ops, { sync: true });
    });
  }

  async writeAtomically(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.objectPath(name);
    await this.store.write(path, 'atomic write', async (db) => {
      const ops: Operation[] = [];
      for await (const key of db.keys(chunkRange(name))) ops.push({ type: 'del', key });
      if (bytes.length > 0) ops.push({ type: 'put', key: chunkKey(name, 0), value: Buffer.from(bytes) });
      ops.push({ type: 'put', key: metaKey(name), value: encodeSize(bytes.length) });
      await db.batch(ops, { sync: true });
    });
  }

  async readAll(name: string): Promise<Buffer> {
    const path = this.objectPath(name);
    return this.store.read(path, 'read', async (db) => {
      const size = await storedSize(db, name);
      if (size === undefined) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      return size === 0 ? Buffer.alloc(0) : readChunks(db, name, path, 0, size);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.store.close();
    } finally {
      this.unlock();
    }
  }
}

export const levelBackend: StorageBackend = {
  name: 'level',
  async openDirectory(path, options: DirectoryOptions = {}) {
    const unlock = lockDirectory(path);
    const location = join(path, LEVEL_DATABASE);
    const db: Db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (error) {
      unlock();
      throw levelStorageError(error, location, 'opening the LevelDB database');
    }
    return new LevelDirectory(path, db, unlock, options.warn ?? ((m) => console.warn(m)));
  },
};
