import { chunkKey, chunkPrefix, chunkRange, encodeSize, metaKey, type Operation, positionOf } from './level-keys.js';
import type { Db } from './level-store.js';
import { StorageError } from './storage-error.js';

/** Stored bytes [from, to) of one chunk, to be copied to target[at…]. */
export interface ChunkRead {
  from: number;
  to: number;
  at: number;
}

/**
 * Reads ranges, each inside one chunk, into `target` with one getMany over
 * the chunks' start keys: a chunk written whole answers there. A chunk still
 * in pieces (filled over several batches, or cut by a truncation) is read
 * with an iterator over its keys. `whole` hears of each whole chunk met, for
 * the cache.
 */
export async function readStored(
  db: Db,
  name: string,
  path: string,
  chunkBytes: number,
  reads: readonly ChunkRead[],
  target: Uint8Array,
  whole?: (start: number, chunk: Buffer) => void,
): Promise<void> {
  const prefix = chunkPrefix(name);
  const starts = reads.map(({ from }) => from - (from % chunkBytes));
  const values = await db.getMany(
    starts.map((start) => chunkKey(prefix, start)),
    { fillCache: false },
  );
  for (const [i, read] of reads.entries()) {
    const start = starts[i]!;
    const value = values[i];
    if (value !== undefined && start + value.length >= read.to) {
      target.set(value.subarray(read.from - start, read.to - start), read.at);
      if (value.length === chunkBytes) whole?.(start, value);
    } else {
      await readPieces(db, prefix, name, path, chunkBytes, start, read, target, whole);
    }
  }
}

/**
 * One chunk's pieces, walked from its start key (no piece crosses a chunk's
 * start). The whole chunk is read: when its pieces fill it (a chunk the
 * writer had to hand over before it was full), they are joined into one
 * buffer for `whole`, so that the next reads of it (an offset lookup's header
 * probes) come from the cache.
 */
async function readPieces(
  db: Db,
  prefix: Buffer,
  name: string,
  path: string,
  chunkBytes: number,
  start: number,
  read: ChunkRead,
  target: Uint8Array,
  whole?: (start: number, chunk: Buffer) => void,
): Promise<void> {
  let filled = 0;
  const pieces = await db
    .iterator({ gte: chunkKey(prefix, start), lt: chunkKey(prefix, start + chunkBytes), fillCache: false, highWaterMarkBytes: chunkBytes })
    .all();
  if (whole && pieces.length > 1) {
    let end = start;
    for (const [key, value] of pieces) if (positionOf(key) === end) end += value.length;
    if (end === start + chunkBytes) {
      whole(start, Buffer.concat(pieces.map(([, value]) => value)));
    }
  }
  for (const [key, value] of pieces) {
    const at = positionOf(key);
    const from = Math.max(read.from, at);
    const to = Math.min(read.to, at + value.length);
    if (to > from) {
      target.set(value.subarray(from - at, to - at), read.at + from - read.from);
      filled += to - from;
    }
  }
  if (filled !== read.to - read.from) {
    throw new StorageError('CORRUPT', path, `chunks of '${name}' cover ${filled} of ${read.to - read.from} bytes at ${read.from}`);
  }
}

/** The reads of [from, to), split at chunk boundaries, into target[at…]. */
export function chunkReads(from: number, to: number, chunkBytes: number, at = 0): ChunkRead[] {
  const reads: ChunkRead[] = [];
  for (let p = from; p < to; ) {
    const end = Math.min(to, p - (p % chunkBytes) + chunkBytes);
    reads.push({ from: p, to: end, at: at + p - from });
    p = end;
  }
  return reads;
}

/** The puts that store `bytes` at `position` as aligned chunks (a value never crosses a multiple of chunkBytes). */
export function chunkPuts(name: string, position: number, bytes: Uint8Array, chunkBytes: number): Operation[] {
  const prefix = chunkPrefix(name);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return chunkReads(position, position + bytes.length, chunkBytes).map(({ from, to, at }) => ({
    type: 'put',
    key: chunkKey(prefix, from),
    value: view.subarray(at, at + to - from),
  }));
}

/** The writes that cut an object to `size` bytes: values past it deleted, the one across it shortened, the size recorded. */
export async function truncation(db: Db, name: string, size: number): Promise<Operation[]> {
  const prefix = chunkPrefix(name);
  const range = chunkRange(name);
  const [covering] = await db.iterator({ lt: chunkKey(prefix, size), gte: range.gte, reverse: true, limit: 1 }).all();
  const ops: Operation[] = [];
  for await (const key of db.keys({ gte: chunkKey(prefix, size), lt: range.lt })) ops.push({ type: 'del', key });
  if (covering) {
    const [key, value] = covering;
    const start = positionOf(key);
    if (start + value.length > size) ops.push({ type: 'put', key, value: value.subarray(0, size - start) });
  }
  ops.push({ type: 'put', key: metaKey(name), value: encodeSize(size) });
  return ops;
}

/** The deletes of every value an object has. */
export async function chunkDeletes(db: Db, name: string): Promise<Operation[]> {
  const ops: Operation[] = [];
  for await (const key of db.keys(chunkRange(name))) ops.push({ type: 'del', key });
  return ops;
}
