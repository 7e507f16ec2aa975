import { closeSync, fdatasyncSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { chunkPuts } from './level-chunks.js';
import {
  chunkRange,
  decodeSize,
  encodeSize,
  FORMAT_ASCENDING,
  FORMAT_KEY,
  isSegmentData,
  metaKey,
  type Operation,
  positionOf,
  writeBatch,
} from './level-keys.js';
import type { Db } from './level-store.js';

/** The layout's name with the chunk size: a database written with another level.chunk.bytes is rewritten too. */
function formatOf(chunkBytes: number): Buffer {
  return Buffer.from(`${FORMAT_ASCENDING} ${chunkBytes}`);
}

/** Where earlier layouts kept an object's values: under "d", aligned or not. */
function earlierRange(name: string): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from(`d${name}\0`, 'utf8'), lt: Buffer.from(`d${name}\u0001`, 'utf8') };
}

/** Writes a file whole and durably: a temporary file synced, renamed over the name, the directory synced. */
function writeFileDurably(dir: string, name: string, bytes: Buffer): void {
  const temp = join(dir, `${name}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, name));
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Rewrites a database of an earlier layout (values under "d", every object in
 * LevelDB; before that, a value per append crossing chunk boundaries) or of
 * another chunk size: each object is read whole; segment data is written
 * again as aligned chunks under "x" in one synced batch with the old values
 * deleted, and every other object becomes a file in `dir` (written durably
 * before its keys are deleted). A crash midway leaves each object in one
 * layout or the other (a file and keys both: the keys win, and the file is
 * written again), and the format key, put last, absent, so the next open
 * finishes the work. Objects are log segments, read whole into memory once.
 */
export async function migrateToAscendingChunks(db: Db, dir: string, chunkBytes: number): Promise<void> {
  const format = formatOf(chunkBytes);
  if ((await db.get(FORMAT_KEY))?.equals(format)) return;
  const names = (await db.keys({ gte: Buffer.from('m'), lt: Buffer.from('n') }).all()).map((k) => k.subarray(1).toString('utf8'));
  for (const name of names) {
    const recorded = await db.get(metaKey(name));
    let size = recorded === undefined ? 0 : decodeSize(recorded);
    const values: Array<[number, Buffer]> = [];
    const keys: Buffer[] = [];
    for (const [ascending, range] of [
      [false, earlierRange(name)],
      [true, chunkRange(name)],
    ] as const) {
      for await (const [key, value] of db.iterator(range)) {
        const at = positionOf(key);
        values.push([at, value]);
        keys.push(key);
        // Earlier layouts recorded the size with every batch; this one only where the last value does not say it.
        if (ascending) size = Math.max(size, at + value.length);
      }
    }
    const bytes = Buffer.alloc(size);
    for (const [at, value] of values) if (at < size) value.copy(bytes, at, 0, Math.min(value.length, size - at));
    const ops: Operation[] = keys.map((key) => ({ type: 'del', key }));
    if (isSegmentData(name)) {
      ops.push(...chunkPuts(name, 0, bytes, chunkBytes), { type: 'put', key: metaKey(name), value: encodeSize(size) });
    } else {
      writeFileDurably(dir, name, bytes);
      ops.push({ type: 'del', key: metaKey(name) });
    }
    await writeBatch(db, ops, true);
  }
  await db.put(FORMAT_KEY, format, { sync: true });
}
