import { join } from 'node:path';
import { Level } from 'level';
import { lockDirectory } from './directory-lock.js';
import { checkObjectName, FileDirectory } from './file-backend.js';
import { ChunkCache } from './level-chunk-cache.js';
import { chunkDeletes, chunkPuts, chunkReads, readStored, truncation } from './level-chunks.js';
import { migrateToAscendingChunks } from './level-format.js';
import { JOURNAL_FILES, LevelJournal, replayJournal } from './level-journal.js';
import { chunkKey, chunkPrefix, chunkRange, encodeSize, isSegmentData, metaKey, type Operation, positionOf, storedSize, writeBatch } from './level-keys.js';
import { type LevelContext, LevelObject } from './level-object.js';
import { DEFAULT_LEVEL_OPTIONS, type LevelOptions, levelDatabaseOptions } from './level-options.js';
import { type Db, LevelStore, levelStorageError } from './level-store.js';
import { LevelWriter } from './level-writer.js';
import type { DirectoryOptions, LogDirectory, OpenOptions, StorageBackend, StorageObject } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/** The LevelDB database inside each log directory. */
export const LEVEL_DATABASE = 'samsa.leveldb';
/** Put by a flush when no other write is waiting, to have a synced write to make. */
const SYNC_KEY = Buffer.from('sync');
/** What the level backend itself keeps beside the database: never listed as objects. */
const OWN_FILES = new Set<string>([...JOURNAL_FILES, `${LEVEL_DATABASE}.probe`]);

/**
 * A log directory on LevelDB: segment data (.log objects) in the database,
 * laid out so that LevelDB never rewrites it (level-keys.ts); every other
 * object (indexes, snapshots, checkpoints) a file beside it, as the file
 * backend keeps it. Those are small, written as the data is and rebuilt from
 * it by recovery, and in the database their keys, interleaved with the
 * data's, would make every table LevelDB writes overlap the others.
 */
class LevelDirectory implements LogDirectory {
  private closed = false;
  private readonly context: LevelContext;
  /** The objects that are not segment data. */
  private readonly files: FileDirectory;
  /** The objects open now: their sizes are what a reopened database must agree with. */
  private readonly openObjects = new Set<LevelObject>();

  constructor(
    readonly path: string,
    db: Db,
    private readonly options: Readonly<LevelOptions>,
    cache: ChunkCache,
    private readonly unlock: () => void,
    private readonly warn: (message: string) => void,
    journal: LevelJournal,
  ) {
    const location = join(path, LEVEL_DATABASE);
    this.files = new FileDirectory(path, () => undefined);
    const store = new LevelStore(db, location, warn, (reopened) => this.agreeOnSizes(reopened));
    // Room for LevelDB's own writes (a memtable written as a table, compactions) besides what waits in memory.
    const roomBytes = 2 * options.writeBufferBytes + 16 * 1024 * 1024;
    this.context = { store, writer: new LevelWriter(store, SYNC_KEY, roomBytes, journal), cache, chunkBytes: options.chunkBytes, location };
  }

  private get store(): LevelStore {
    return this.context.store;
  }

  private get writer(): LevelWriter {
    return this.context.writer;
  }

  /**
   * After a reopen: a write reported as failed may have reached LevelDB's log
   * all the same and been replayed. Objects holding more than their last
   * written batch left are cut back to it (a batch that failed is written
   * again in full; an append written through that failed was never taken
   * in); one holding less is reported.
   */
  private async agreeOnSizes(db: Db): Promise<void> {
    const sizes = new Map<string, LevelObject>();
    for (const object of this.openObjects) if (object.writtenSize >= (sizes.get(object.name)?.writtenSize ?? 0)) sizes.set(object.name, object);
    for (const [name, object] of sizes) {
      const stored = await storedSize(db, name);
      if (stored === undefined || stored < object.writtenSize) {
        this.warn(`${object.path}: the reopened database holds ${stored ?? 'no'} bytes of it, ${object.writtenSize} were written`);
      } else if (stored > object.writtenSize) {
        await writeBatch(db, await truncation(db, name, object.writtenSize), true);
      }
    }
  }

  private objectPath(name: string): string {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    return checkObjectName(this.path, name);
  }

  /** Before reading the database itself: what was accepted is written (a failed batch stays in memory, and is not waited for). */
  private async settled(path: string): Promise<void> {
    await this.writer.settle(path).catch(() => undefined);
  }

  async list(): Promise<string[]> {
    if (this.closed) throw new StorageError('CLOSED', this.path, 'log directory used after close');
    await this.settled(this.path);
    const keys = await this.store.read(this.path, 'listing', (db) => db.keys({ gte: Buffer.from('m'), lt: Buffer.from('n') }).all());
    const files = (await this.files.list()).filter((name) => !OWN_FILES.has(name));
    return [...keys.map((k) => k.subarray(1).toString('utf8')), ...files].sort();
  }

  async exists(name: string): Promise<boolean> {
    const path = this.objectPath(name);
    if (!isSegmentData(name)) return this.files.exists(name);
    await this.settled(path);
    return (await this.store.read(path, 'exists', (db) => storedSize(db, name))) !== undefined;
  }

  async open(name: string, options: OpenOptions = {}): Promise<StorageObject> {
    const path = this.objectPath(name);
    if (!isSegmentData(name)) return this.files.open(name, options);
    await this.settled(path);
    let size = await this.store.read(path, 'open', (db) => storedSize(db, name));
    if (size === undefined) {
      if (!options.create) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      size = await this.exclusiveWrite(path, 'create', async (db) => {
        const found = await storedSize(db, name);
        // Synced, as every write beside the batches: a flush syncs only the journal, whose entries for the object follow this.
        if (found === undefined) await writeBatch(db, [{ type: 'put', key: metaKey(name), value: encodeSize(0) }, this.writer.journal.mark()], true);
        return found ?? 0;
      });
    }
    const object = new LevelObject(name, path, this.context, this.openObjects, size);
    this.openObjects.add(object);
    return object;
  }

  /** A write that reads what is stored: after every batch accepted before it, none beside it. */
  private exclusiveWrite<T>(path: string, action: string, run: (db: Db) => Promise<T>): Promise<T> {
    return this.writer.exclusive(path, () => this.store.write(path, action, run));
  }

  private forget(name: string): void {
    this.context.cache.drop(`${this.context.location}\0${name}`);
  }

  async delete(name: string): Promise<void> {
    const path = this.objectPath(name);
    if (!isSegmentData(name)) return this.files.delete(name);
    await this.exclusiveWrite(path, 'delete', async (db) => {
      if ((await storedSize(db, name)) === undefined) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      this.forget(name);
      await writeBatch(db, [...(await chunkDeletes(db, name)), { type: 'del', key: metaKey(name) }, this.writer.journal.mark()], true);
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const path = this.objectPath(from);
    this.objectPath(to);
    if (!isSegmentData(from) && !isSegmentData(to)) return this.files.rename(from, to);
    if (isSegmentData(from) !== isSegmentData(to)) {
      // Between the database and the files (the log engine never does this): copied whole, then the source deleted.
      const bytes = await this.readAll(from);
      await this.writeAtomically(to, bytes);
      await this.delete(from);
      return;
    }
    await this.exclusiveWrite(path, 'rename', async (db) => {
      const size = await storedSize(db, from);
      if (size === undefined) throw new StorageError('NOT_FOUND', path, `object '${from}' does not exist`);
      this.forget(from);
      this.forget(to);
      // One batch: LevelDB applies it atomically, so a crash leaves either name, never both or neither.
      const ops = await chunkDeletes(db, to);
      const prefix = chunkPrefix(to);
      for await (const [key, value] of db.iterator(chunkRange(from))) {
        ops.push({ type: 'del', key }, { type: 'put', key: chunkKey(prefix, positionOf(key)), value });
      }
      ops.push({ type: 'del', key: metaKey(from) }, { type: 'put', key: metaKey(to), value: encodeSize(size) }, this.writer.journal.mark());
      await writeBatch(db, ops, true);
    });
  }

  async writeAtomically(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.objectPath(name);
    if (!isSegmentData(name)) return this.files.writeAtomically(name, bytes);
    await this.exclusiveWrite(path, 'atomic write', async (db) => {
      this.forget(name);
      const ops: Operation[] = await chunkDeletes(db, name);
      ops.push(
        ...chunkPuts(name, 0, bytes, this.options.chunkBytes),
        { type: 'put', key: metaKey(name), value: encodeSize(bytes.length) },
        this.writer.journal.mark(),
      );
      await writeBatch(db, ops, true);
    });
  }

  async readAll(name: string): Promise<Buffer> {
    const path = this.objectPath(name);
    if (!isSegmentData(name)) return this.files.readAll(name);
    await this.settled(path);
    return this.store.read(path, 'read', async (db) => {
      const size = await storedSize(db, name);
      if (size === undefined) throw new StorageError('NOT_FOUND', path, `object '${name}' does not exist`);
      const out = Buffer.allocUnsafe(size);
      if (size > 0) await readStored(db, name, path, this.options.chunkBytes, chunkReads(0, size, this.options.chunkBytes), out);
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let written = false;
    try {
      await this.writer.settle(this.path).then(
        () => {
          written = true;
        },
        (error: unknown) => this.warn(`${this.path}: closing without what could not be written (its journal is kept): ${(error as Error).message}`),
      );
      await this.files.close();
      await this.store.close();
    } finally {
      this.writer.journal.close(written);
      this.unlock();
    }
  }
}

/** A level backend with these settings; its databases share one chunk cache. */
export function createLevelBackend(settings: Partial<LevelOptions> = {}): StorageBackend {
  const options: LevelOptions = { ...DEFAULT_LEVEL_OPTIONS, ...settings };
  const cache = new ChunkCache(options.chunkCacheBytes);
  return {
    name: 'level',
    async openDirectory(path, directoryOptions: DirectoryOptions = {}) {
      const unlock = lockDirectory(path);
      const location = join(path, LEVEL_DATABASE);
      const db: Db = new Level<Buffer, Buffer>(location, levelDatabaseOptions(options));
      const warn = directoryOptions.warn ?? ((m: string) => console.warn(m));
      let journal: LevelJournal;
      try {
        await db.open();
        await migrateToAscendingChunks(db, path, options.chunkBytes);
        const lastSeq = await replayJournal(db, path, {
          chunkBytes: options.chunkBytes,
          forget: (name) => cache.drop(`${location}\0${name}`),
          warn,
        });
        journal = new LevelJournal(path, lastSeq);
      } catch (error) {
        await db.close().catch(() => undefined);
        unlock();
        throw levelStorageError(error, location, 'opening the LevelDB database');
      }
      return new LevelDirectory(path, db, options, cache, unlock, warn, journal);
    },
  };
}

export const levelBackend: StorageBackend = createLevelBackend();
