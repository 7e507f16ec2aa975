import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type LogDirectory, type StorageObject } from '../../storage/backend/index.js';
import { ChunkCache } from '../../storage/backend/level-chunk-cache.js';
import { LevelJournal } from '../../storage/backend/level-journal.js';
import { chunkRange, encodeSize, writeBatch } from '../../storage/backend/level-keys.js';
import { LevelObject } from '../../storage/backend/level-object.js';
import { LevelStore } from '../../storage/backend/level-store.js';
import { LevelWriter } from '../../storage/backend/level-writer.js';
import { seededRandom } from '../record/random.js';
import { withDatabase } from './level-database.js';
import { pattern } from './pattern.js';
import { coveredBySync, recordingSync, syncsStarted } from './sync-events.js';

// The level backend's chunk layout (level-object.ts): the chunk being filled held back or written
// as pieces, whole chunks, chunks begun before a reopen, truncations inside and below the tail, a
// chunk size changed, and every batch's keys above all written before it (level-keys.ts).
const CHUNK = 4096;

describe('level backend chunk layout', () => {
  let path: string;
  let dir: LogDirectory;
  const open = (chunkBytes = CHUNK) => createBackend('level', { chunkBytes, chunkCacheBytes: 8 * CHUNK }).openDirectory(path);

  beforeEach(async () => {
    path = mkdtempSync(join(tmpdir(), 'samsa-level-layout-'));
    dir = await open();
  });
  afterEach(async () => {
    await dir.close();
    rmSync(path, { recursive: true, force: true });
  });

  async function expectContent(object: StorageObject, size: number, random: ReturnType<typeof seededRandom>): Promise<void> {
    expect(object.size).toBe(size);
    expect((await object.read(0, size)).bytes.equals(pattern(0, size))).toBe(true);
    for (let i = 0; i < 20 && size > 0; i++) {
      const at = random.int(0, size - 1);
      const target = Buffer.alloc(random.int(1, 3 * CHUNK));
      const n = await object.readInto(at, target);
      expect(target.subarray(0, n).equals(pattern(at, Math.min(target.length, size - at)))).toBe(true);
    }
  }

  it('reads back what was appended through turns, flushes, truncations and reopens', async () => {
    const random = seededRandom(1807);
    let object = await dir.open('00000000000000000000.log', { create: true });
    let size = 0;
    for (let step = 0; step < 120; step++) {
      const action = random.int(0, 9);
      if (action < 6) {
        // A few appends in one turn, some of them crossing chunk boundaries.
        const appends = random.int(1, 4);
        const done: Array<Promise<number>> = [];
        for (let i = 0; i < appends; i++) {
          const length = random.int(0, random.int(0, 1) ? 300 : 3 * CHUNK);
          done.push(object.append(pattern(size, length)));
          size += length;
        }
        await Promise.all(done);
        if (random.int(0, 3) === 0) await new Promise((resolve) => setImmediate(resolve));
      } else if (action === 6) {
        await object.flush();
      } else if (action === 7 && size > 0) {
        // Inside the chunk being filled, or below it.
        size = random.int(0, 1) ? random.int(Math.max(0, size - 500), size) : random.int(0, size);
        await object.truncate(size);
      } else if (action === 8) {
        await object.close();
        await dir.close();
        dir = await open();
        object = await dir.open('00000000000000000000.log');
      } else {
        await expectContent(object, size, random);
      }
    }
    await expectContent(object, size, random);
    await object.flush();
    await object.close();
    await dir.close();
    // Another chunk size: the database is rewritten in it when opened.
    dir = await open(3 * CHUNK);
    object = await dir.open('00000000000000000000.log');
    await expectContent(object, size, random);
    await object.close();
  });

  it('holds a chunk filled over many turns back until it is full, then writes it as one value', async () => {
    const object = await dir.open('a.log', { create: true });
    for (let at = 0; at < 2 * CHUNK; at += 256) {
      await object.append(pattern(at, 256));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await object.flush();
    await object.close();
    await dir.close();
    const db = new Level<Buffer, Buffer>(join(path, 'samsa.leveldb'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      const values = await db.values(chunkRange('a.log')).all();
      expect(values.map((v) => v.length)).toEqual([CHUNK, CHUNK]);
    } finally {
      await db.close();
    }
    dir = await open();
  });
});

describe('level backend databases of an earlier layout', () => {
  /** The value keys of the layouts before this one: "d" name 0 position. */
  const earlierKey = (name: string, position: number) => {
    const key = Buffer.alloc(name.length + 10);
    key.write(`d${name}\0`, 'latin1');
    key.writeBigUInt64BE(BigInt(position), name.length + 2);
    return key;
  };

  for (const [layout, format, valueBytes] of [
    ['aligned chunks', 'aligned-chunks-1 4096', CHUNK],
    ['a value per append', undefined, 1500],
  ] as const) {
    it(`are rewritten when opened (${layout}): segment data under "x", the other objects as files beside the database`, async () => {
      const path = mkdtempSync(join(tmpdir(), 'samsa-level-earlier-'));
      try {
        const db = new Level<Buffer, Buffer>(join(path, 'samsa.leveldb'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
        const objects = { '00000000000000000000.log': 10_000, '00000000000000000000.index': 3000, 'leader-epoch-checkpoint': 20 };
        for (const [name, size] of Object.entries(objects)) {
          await db.put(Buffer.from(`m${name}`), encodeSize(size));
          for (let at = 0; at < size; at += valueBytes) await db.put(earlierKey(name, at), pattern(at, Math.min(valueBytes, size - at)));
        }
        if (format) await db.put(Buffer.from('format'), Buffer.from(format));
        await db.close();

        const dir = await createBackend('level', { chunkBytes: CHUNK }).openDirectory(path);
        try {
          expect(await dir.list()).toEqual(Object.keys(objects).sort());
          for (const [name, size] of Object.entries(objects)) expect((await dir.readAll(name)).equals(pattern(0, size))).toBe(true);
          expect(readFileSync(join(path, '00000000000000000000.index')).equals(pattern(0, 3000))).toBe(true);
          const log = await dir.open('00000000000000000000.log');
          expect(log.size).toBe(10_000);
          await log.append(pattern(10_000, 100));
          await log.close();
        } finally {
          await dir.close();
        }
        const reopened = new Level<Buffer, Buffer>(join(path, 'samsa.leveldb'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
        try {
          const keys = (await reopened.keys().all()).map((key) => key.toString('latin1'));
          expect(keys.filter((key) => key.startsWith('d'))).toEqual([]);
          expect(keys.filter((key) => key.startsWith('m'))).toEqual(['m00000000000000000000.log']);
          const values = await reopened.values(chunkRange('00000000000000000000.log')).all();
          expect(Buffer.concat(values).equals(pattern(0, 10_100))).toBe(true);
        } finally {
          await reopened.close();
        }
      } finally {
        rmSync(path, { recursive: true, force: true });
      }
    });
  }
});

/** Wraps the database's chained batches (level-keys.ts writeBatch uses them) to record each write as it completes: synced or not, and its keys. */
function recordWrites(db: Level<Buffer, Buffer>): Array<{ sync: boolean; keys: string[] }> {
  const completed: Array<{ sync: boolean; keys: string[] }> = [];
  const chained = db.batch.bind(db) as () => ReturnType<typeof db.batch>;
  Object.assign(db, {
    batch: () => {
      const inner = chained();
      const keys: string[] = [];
      const recording = {
        put: (key: Buffer, value: Buffer) => {
          keys.push(key.toString('latin1'));
          inner.put(key, value);
          return recording;
        },
        del: (key: Buffer) => {
          keys.push(key.toString('latin1'));
          inner.del(key);
          return recording;
        },
        close: () => inner.close(),
        write: async (options: { sync: boolean }) => {
          await inner.write(options);
          completed.push({ sync: options.sync, keys });
        },
      };
      return recording;
    },
  });
  return completed;
}

function writerContext(db: Level<Buffer, Buffer>, path: string, roomBytes: number, journal: LevelJournal) {
  const store = new LevelStore(
    db,
    join(path, 'db'),
    () => undefined,
    async () => undefined,
  );
  const writer = new LevelWriter(store, Buffer.from('sync'), roomBytes, journal);
  return { store, writer, cache: new ChunkCache(0), chunkBytes: CHUNK, location: join(path, 'db') };
}

describe('level backend flushes', () => {
  it('share journal syncs: concurrent flushes are covered by few fdatasyncs, each begun after its append', () =>
    withDatabase('samsa-level-flush-', async (db, path) => {
      const events: string[] = [];
      const journal = new LevelJournal(path, 0, { syncFile: recordingSync(events) });
      const context = writerContext(db, path, 0, journal);
      const objects = Array.from({ length: 8 }, (_, i) => new LevelObject(`o${i}`, join(path, `o${i}`), context, new Set(), 0));
      await Promise.all(
        objects.map(async (object, i) => {
          // Journaled within the call (no batch holds the writer up here): recorded as the call returns.
          const appended = object.append(pattern(0, 100 + i));
          events.push(`appended ${i}`);
          await appended;
          await object.flush();
          events.push(`flushed ${i}`);
        }),
      );
      expect(syncsStarted(events)).toBeGreaterThan(0);
      expect(syncsStarted(events)).toBeLessThanOrEqual(4);
      for (let i = 0; i < 8; i++) expect(coveredBySync(events, `appended ${i}`, `flushed ${i}`), events.join(', ')).toBe(true);
      await context.writer.settle('o0');
      journal.close(true);
    }));

  it('after entries were written over before LevelDB synced them, is a synced batch too (the journal no longer holds them)', () =>
    withDatabase('samsa-level-flush-dropped-', async (db, path) => {
      const completed = recordWrites(db);
      const events: string[] = [];
      // The journal's files change over at every batch.
      const context = writerContext(db, path, 0, new LevelJournal(path, 0, { syncFile: recordingSync(events), rotateBytes: 1 }));
      const object = new LevelObject('o', join(path, 'o'), context, new Set(), 0);
      // Two batches written, unsynced: the second wrote over the file holding the first's entries.
      await object.append(pattern(0, 100));
      await context.writer.settle('o');
      await object.append(pattern(100, 100));
      await context.writer.settle('o');
      expect(context.writer.journal.droppedUnsynced).toBe(1);
      expect(completed.some((write) => write.sync)).toBe(false);
      await object.append(pattern(200, 100));
      await object.flush();
      // The last write is synced (it covers every batch before it, the append's among them).
      expect(completed.at(-1)?.sync).toBe(true);
      expect(completed.some((write) => write.keys.some((key) => key.startsWith('xo\0')))).toBe(true);
      // The journal synced as well: a replay after a power cut finds every durable append after a cut.
      expect(syncsStarted(events)).toBeGreaterThan(0);
      context.writer.journal.close(true);
    }));

  it('after appends written through beside the journal, is a synced batch written after them', () =>
    withDatabase('samsa-level-flush-through-', async (db, path) => {
      const completed = recordWrites(db);
      const events: string[] = [];
      // More room wanted than any disk has: every append is written through.
      const context = writerContext(db, path, Number.MAX_SAFE_INTEGER, new LevelJournal(path, 0, { syncFile: recordingSync(events) }));
      expect(context.writer.writeThrough).toBe(true);
      const object = new LevelObject('o', join(path, 'o'), context, new Set(), 0);
      await object.append(pattern(0, 300));
      const direct = completed.findIndex((write) => write.keys.some((key) => key.startsWith('xo\0')) && !write.sync);
      expect(direct).toBeGreaterThanOrEqual(0);
      await object.flush();
      expect(completed.slice(direct + 1).some((write) => write.sync)).toBe(true);
      expect(events).toEqual([]); // nothing journaled, nothing of it synced
      context.writer.journal.close(true);
    }));
});

describe('level backend batches', () => {
  it('keep every key above all written before: chunks held back until full, pieces only when a batch must take them, none rewritten', () =>
    withDatabase('samsa-level-ascending-', async (db, path) => {
      const completed = recordWrites(db);
      // The journal's files change over every 64 KiB (some ten times here), each time taking the chunk being filled as a piece.
      const context = writerContext(db, path, 0, new LevelJournal(path, 0, { rotateBytes: 64 * 1024 }));
      const object = new LevelObject('00000000000000000000.log', join(path, 'o'), context, new Set(), 0);
      const random = seededRandom(2031);
      let size = 0;
      let flushes = 0;
      for (let step = 0; step < 300; step++) {
        const length = random.int(1, random.int(0, 3) === 0 ? 3 * CHUNK : 200);
        await object.append(pattern(size, length));
        size += length;
        if (random.int(0, 4) === 0) await new Promise((resolve) => setImmediate(resolve));
        if (random.int(0, 30) === 0) {
          await object.flush(); // the journal's fdatasync (and LevelDB's where the journal was written over unsynced)
          flushes++;
        }
        if (random.int(0, 60) === 0) await context.writer.settle(object.path); // a batch that takes everything
      }
      await context.writer.settle(object.path);
      let highest = '';
      let syncKeys = 0;
      for (const write of completed) {
        for (const key of write.keys) {
          // The one exception: a flush that must sync LevelDB (the journal's file holding entries of an
          // unsynced batch was written over) when no bytes wait, and so puts a key of its own.
          if (key === 'sync') {
            expect(write.sync).toBe(true);
            syncKeys++;
            continue;
          }
          expect(key > highest, `${JSON.stringify(key)} after ${JSON.stringify(highest)}`).toBe(true);
          highest = key;
        }
      }
      expect(syncKeys).toBeLessThanOrEqual(flushes);
      expect(completed.length).toBeGreaterThan(10);
      // What LevelDB holds is the object, value after value, and most chunks are one value.
      const stored = await db.iterator(chunkRange('00000000000000000000.log')).all();
      expect(Buffer.concat(stored.map(([, value]) => value)).equals(pattern(0, size))).toBe(true);
      const whole = stored.filter(([, value]) => value.length === CHUNK).length;
      expect(whole).toBeGreaterThan(stored.length / 2);
      expect((await object.read(0, size)).bytes.equals(pattern(0, size))).toBe(true);
      context.writer.journal.close(true);
    }));
});

describe('writeBatch', () => {
  it('writes puts and deletes as one LevelDB batch, and writes none of them when an operation is invalid', () =>
    withDatabase('samsa-level-batch-', async (db) => {
      await db.put(Buffer.from('a'), Buffer.from('1'));
      await writeBatch(db, [
        { type: 'put', key: Buffer.from('b'), value: Buffer.from('2') },
        { type: 'del', key: Buffer.from('a') },
      ]);
      expect(await db.get(Buffer.from('a'))).toBeUndefined();
      expect((await db.get(Buffer.from('b')))?.toString()).toBe('2');

      // A null key is refused while the batch is built, before anything is written: the put before it is not stored either.
      const invalid = [
        { type: 'put', key: Buffer.from('c'), value: Buffer.from('3') },
        { type: 'put', key: null as unknown as Buffer, value: Buffer.from('4') },
      ] as const;
      await expect(writeBatch(db, invalid, true)).rejects.toThrow();
      expect(await db.get(Buffer.from('c'))).toBeUndefined();
      // The database goes on taking batches.
      await writeBatch(db, [{ type: 'put', key: Buffer.from('d'), value: Buffer.from('5') }], true);
      expect((await db.get(Buffer.from('d')))?.toString()).toBe('5');
    }));
});
