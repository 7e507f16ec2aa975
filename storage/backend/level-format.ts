import { chunkDeletes, chunkPuts } from './level-chunks.js';
import { chunkRange, FORMAT_ALIGNED_CHUNKS, FORMAT_KEY, type Operation, storedSize, writeBatch } from './level-keys.js';
import type { Db } from './level-store.js';

/** The layout's name with the chunk size: a database written with another level.chunk.bytes is rewritten too. */
function formatOf(chunkBytes: number): Buffer {
  return Buffer.from(`${FORMAT_ALIGNED_CHUNKS} ${chunkBytes}`);
}

/**
 * Databases written before chunks were aligned hold a value per append,
 * crossing chunk boundaries where they fell: each object is read whole and
 * written again as aligned chunks, in one batch per object (a crash midway
 * leaves each object in one layout or the other, and the format key, put
 * last, absent, so the next open finishes the work). Objects are log
 * segments, read whole into memory once.
 */
export async function migrateToAlignedChunks(db: Db, chunkBytes: number): Promise<void> {
  const format = formatOf(chunkBytes);
  if ((await db.get(FORMAT_KEY))?.equals(format)) return;
  const names = (await db.keys({ gte: Buffer.from('m'), lt: Buffer.from('n') }).all()).map((k) => k.subarray(1).toString('utf8'));
  for (const name of names) {
    const size = (await storedSize(db, name)) ?? 0;
    const bytes = Buffer.alloc(size);
    for await (const [key, value] of db.iterator(chunkRange(name))) {
      const at = Number(key.readBigUInt64BE(key.length - 8));
      if (at < size) value.copy(bytes, at, 0, Math.min(value.length, size - at));
    }
    const ops: Operation[] = [...(await chunkDeletes(db, name)), ...chunkPuts(name, 0, bytes, chunkBytes)];
    await writeBatch(db, ops, true);
  }
  await db.put(FORMAT_KEY, format, { sync: true });
}
