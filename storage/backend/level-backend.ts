import { join } from 'node:path';
import { Level } from 'level';
import { BackendObject } from './backend-object.js';
import { lockDirectory } from './directory-lock.js';
import { checkObjectName } from './file-backend.js';
import type { LogDirectory, OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/** The LevelDB database inside each log directory. */
export const LEVEL_DATABASE = 'samsa.leveldb';

// Keys: "d" name 0x00 position(8 bytes, big-endian) → one chunk of bytes (one per append);
//       "m" name → the object's size (8 bytes). Positions sort numerically, so the
// chunk covering a position is one reverse seek away, and an object's chunks are
// one key range, so deleting it is a single range delete.
type Db = Level<Buffer, Buffer>;

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

class LevelObject extends BackendObject implements StorageObject {
  constructor(
    name: string,
    path: string,
    private readonly db: Db,
    size: number,
  ) {
    super(name, path, size);
  }

  async append(bytes: Uint8Array): Promise<number> {
    this.check();
    const position = this.size;
    if (bytes.length === 0) return position;
    try {
      await this.db.batch([
        { type: 'put', key: chunkKey(this.name, position), value: Buffer.from(bytes) },
        { type: 'put', key: metaKey(this.name), value: encodeSize(position + bytes.length) },
      ]);
    } catch (error) {
      throw StorageError.from(error, this.path, 'append');
    }
    this.size = position + bytes.length;
    return position;
  }

  /** Rare (index rebuilds): rewrites the tail from `position` as one chunk. */
  async write(position: number, bytes: Uint8Array): Promise<void> {
    this.checkWrite(position);
    const tail = await this.read(position, this.size - position);
    const merged = Buffer.alloc(Math.max(tail.length, bytes.length));
    tail.copy(merged);
    merged.set(bytes, 0);
    await this.truncate(position);
    await this.append(merged);
  }

  async read(position: number, length: number): Promise<Buffer> {
    this.check();
    const end = Math.min(this.size, position + length);
    if (end <= position) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(end - position);
    const range = chunkRange(this.name);
    try {
      // Seek back to the chunk that covers `position`, then walk forward.
      const [first] = await this.db.keys({ lte: chunkKey(this.name, position), gte: range.gte, reverse: true, limit: 1 }).all();
      const start = first === undefined ? 0 : positionOf(first);
      let filled = 0;
      // Bounded by `end` so the iterator does not prefetch chunks past the read.
      for await (const [key, value] of this.db.iterator({ gte: chunkKey(this.name, start), lt: chunkKey(this.name, end) })) {
        const chunkStart = positionOf(key);
        const from = Math.max(position, chunkStart);
        const to = Math.min(end, chunkStart + value.length);
        if (to > from) {
          value.copy(out, from - position, from - chunkStart, to - chunkStart);
          filled += to - from;
        }
      }
      if (filled !== out.length) {
        throw new StorageError('CORRUPT', this.path, `chunks of '${this.name}' cover ${filled} of ${out.length} bytes at ${position}`);
      }
    } catch (error) {
      throw StorageError.from(error, this.path, 'read');
    }
    return out;
  }

  async readInto(position: number, target: Uint8Array, offset = 0, length = target.length - offset): Promise<number> {
    const bytes = await this.read(position, length);
    target.set(bytes, offset);
    return bytes.length;
  }

  async truncate(size: number): Promise<void> {
    this.check();
    if (size >= this.size) {
      if (size > this.size) await this.append(Buffer.alloc(size - this.size));
      return;
    }
    const range = chunkRange(this.name);
    try {
      const [covering] = await this.db.iterator({ lt: chunkKey(this.name, size), gte: range.gte, reverse: true, limit: 1 }).all();
      const ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }> = [];
      for await (const key of this.db.keys({ gte: chunkKey(this.name, size), lt: range.lt })) ops.push({ type: 'del', key });
      if (covering) {
        const [key, value] = covering;
        const start = positionOf(key);
        if (start + value.length > size) ops.push({ type: 'put', key, value: value.subarray(0, size - start) });
      }
      ops.push({ type: 'put', key: metaKey(this.name), value: encodeSize(size) });
      await this.db.batch(ops);
    } catch (error) {
      throw StorageError.from(error, this.path, 'truncate');
    }
    this.size = size;
  }

  async flush(): Promise<void> {
    this.check();
    // LevelDB's log is sequential: one synced write makes every earlier write durable.
    try {
      await this.db.put(metaKey(this.name), encodeSize(this.size), { sync: true });
    } catch (error) {
      throw StorageError.from(error, this.path, 'flush');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

class LevelDirectory implements LogDirectory {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly db: Db,
    private readonly unlock: () => void,
  ) {}

  private objectPath(name: string): string {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    return checkObjectName(this.path, name);
  }

  private async sizeOf(name: string): Promise<number | undefined> {
    const value = await this.db.get(metaKey(name));
    return value === undefined ? undefined : Number(value.readBigUInt64BE(0));
  }

  async list(): Promise<string[]> {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    const keys = await this.db.keys({ gte: Buffer.from('m'), lt: Buffer.from('n') }).all();
    return keys.map((k) => k.subarray(1).toString('utf8')).sort();
  }

  async exists(name: string): Promise<boolean> {
    this.objectPath(name);
    return (await this.sizeOf(name)) !== undefined;
  }

  async open(name: string, options: OpenOptions = {}): Promise<StorageObject> {
    const path = this.objectPath(name);
    let size = await this.sizeOf(name);
    if (size === undefined) {
      if (!options.create) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      await this.db.put(metaKey(name), encodeSize(0));
      size = 0;
    }
    return new LevelObject(name, path, this.db, size);
  }

  async delete(name: string): Promise<void> {
    const path = this.objectPath(name);
    if ((await this.sizeOf(name)) === undefined) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
    await this.db.clear(chunkRange(name));
    await this.db.del(metaKey(name));
  }

  async rename(from: string, to: string): Promise<void> {
    const path = this.objectPath(from);
    this.objectPath(to);
    const size = await this.sizeOf(from);
    if (size === undefined) throw new StorageError('NOT_FOUND', path, `object '${from}' does not exist`);
    // One batch: LevelDB applies it atomically, so a crash leaves either name, never both or neither.
    const ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }> = [];
    for await (const key of this.db.keys(chunkRange(to))) ops.push({ type: 'del', key });
    for await (const [key, value] of this.db.iterator(chunkRange(from))) {
      ops.push({ type: 'del', key }, { type: 'put', key: chunkKey(to, positionOf(key)), value });
    }
    ops.push({ type: 'del', key: metaKey(from) }, { type: 'put', key: metaKey(to), value: encodeSize(size) });
    await this.db.batch(ops, { sync: true });
  }

  async writeAtomically(name: string, bytes: Uint8Array): Promise<void> {
    this.objectPath(name);
    const ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }> = [];
    for await (const key of this.db.keys(chunkRange(name))) ops.push({ type: 'del', key });
    if (bytes.length > 0) ops.push({ type: 'put', key: chunkKey(name, 0), value: Buffer.from(bytes) });
    ops.push({ type: 'put', key: metaKey(name), value: encodeSize(bytes.length) });
    await this.db.batch(ops, { sync: true });
  }

  async readAll(name: string): Promise<Buffer> {
    const object = await this.open(name);
    try {
      return await object.read(0, object.size);
    } finally {
      await object.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.close();
    } finally {
      this.unlock();
    }
  }
}

export const levelBackend: StorageBackend = {
  name: 'level',
  async openDirectory(path) {
    const unlock = lockDirectory(path);
    const location = join(path, LEVEL_DATABASE);
    const db: Db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (error) {
      unlock();
      const cause = (error as { cause?: { code?: string } }).cause;
      const code = cause?.code === 'LEVEL_CORRUPTION' || (error as { code?: string }).code === 'LEVEL_CORRUPTION' ? 'CORRUPT' : 'EIO';
      throw new StorageError(code, location, `cannot open the LevelDB database: ${(cause as Error | undefined)?.message ?? (error as Error).message}`, { cause: error });
    }
    return new LevelDirectory(path, db, unlock);
  },
};
