import type { Db } from './level-store.js';

// Keys: "x" name 0x00 position (8 bytes, big-endian) → bytes starting at that position;
//       "m" name → the object's size when it was created, renamed or cut (8 bytes);
//       "journal" → the last journal entry an exclusive operation covered;
//       "format" → the layout (level-format.ts).
// LevelDB moves a new table down a level untouched only when no other
// table's key range overlaps it. So that it can, every batch of appends
// stays inside one ascending run of keys: only segment data (.log objects)
// is kept here (everything else is a file beside the database:
// level-backend.ts), under "x", above every other key; the chunk being
// filled is held back from batches until it is full (or a flush, close or
// exclusive operation needs it written, when it goes as a piece that is
// never rewritten); no key is written per batch besides the chunks, an
// object's size being where its last value ends. The "m", "journal" and
// "format" keys, below all chunks, are written only by exclusive operations
// (creating, renaming, deleting, cutting below the tail). Positions sort
// numerically, an object's values are one key range, and no value crosses a
// multiple of the chunk size (level.chunk.bytes), so the value holding a
// position is found from its chunk's start key (a whole chunk) or by an
// iterator over the chunk's pieces (see level-object.ts).

/** Whether an object is segment data, kept in LevelDB: a .log, or one being cleaned, swapped in or deleted. */
export function isSegmentData(name: string): boolean {
  return /\.log(\.(cleaned|swap|deleted))?$/.test(name);
}

export type Operation = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/**
 * Writes `ops` as one atomic LevelDB batch. Through a chained batch, not
 * `db.batch(array)`: abstract-level clones and re-validates every operation
 * of an array on the event loop (here 365 µs for a chunk's 70 operations,
 * 26 µs for two), where the chained batch hands each to LevelDB at once
 * (58 µs and 17 µs), and a durable append waits behind that time.
 */
export async function writeBatch(db: Db, ops: readonly Operation[], sync = false): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
  } catch (error) {
    await batch.close();
    throw error;
  }
  await batch.write({ sync });
}

/** The prefix of every chunk key of an object. */
export function chunkPrefix(name: string): Buffer {
  return Buffer.from(`x${name}\0`, 'utf8');
}

export function chunkKey(prefix: Buffer, position: number): Buffer {
  const key = Buffer.allocUnsafe(prefix.length + 8);
  prefix.copy(key);
  key.writeUInt32BE(Math.floor(position / 2 ** 32), prefix.length);
  key.writeUInt32BE(position >>> 0, prefix.length + 4);
  return key;
}

export function chunkRange(name: string): { gte: Buffer; lt: Buffer } {
  return { gte: chunkKey(chunkPrefix(name), 0), lt: Buffer.from(`x${name}\u0001`, 'utf8') };
}

export function positionOf(key: Buffer): number {
  return key.readUInt32BE(key.length - 8) * 2 ** 32 + key.readUInt32BE(key.length - 4);
}

export function metaKey(name: string): Buffer {
  return Buffer.from(`m${name}`, 'utf8');
}

export function encodeSize(size: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(size));
  return b;
}

/** A number written by encodeSize. */
export function decodeSize(value: Buffer): number {
  return Number(value.readBigUInt64BE(0));
}

/**
 * An object's size: where its last value ends, or the size recorded under
 * its "m" key when it has no value past that (created empty, cut to a chunk
 * boundary); undefined if the object does not exist.
 */
export async function storedSize(db: Db, name: string): Promise<number | undefined> {
  const recorded = await db.get(metaKey(name));
  if (recorded === undefined) return undefined;
  const range = chunkRange(name);
  const [last] = await db.iterator({ ...range, reverse: true, limit: 1, fillCache: false }).all();
  const end = last === undefined ? 0 : positionOf(last[0]) + last[1].length;
  return Math.max(decodeSize(recorded), end);
}

/** Where the layout is recorded (level-format.ts rewrites databases of an earlier one when opened). */
export const FORMAT_KEY = Buffer.from('format');
export const FORMAT_ASCENDING = 'ascending-chunks-1';
