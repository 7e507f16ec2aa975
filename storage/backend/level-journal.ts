import { closeSync, fdatasync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../native/crc32c.js';
import { chunkPuts, truncation } from './level-chunks.js';
import { decodeSize, encodeSize, isSegmentData, type Operation, storedSize, writeBatch } from './level-keys.js';
import type { Db } from './level-store.js';
import { StorageError } from './storage-error.js';

// The journal beside a log directory's LevelDB database. An append of segment
// data on LevelDB is taken into memory and written behind in batches
// (level-writer.ts), the chunk being filled held back until it is full; so
// that an append may be answered at once and still survive a process crash,
// as the file backend's page cache keeps it, it is first written here, one
// write system call per append (or cut of a chunk being filled), to one of
// two files. Once the current file holds a megabyte, the next batch takes
// every held-back chunk too, so that it covers all the file's entries, and
// the other file becomes current: written over from its start, since the
// batch that covered it in turn is written (synced, if the file was: its
// entries may have been the only durable copy). At the next
// open the entries after the last mark (JOURNAL_KEY, written only by
// exclusive operations, which follow everything before them) are applied in
// order, each only as far as the database lacks it: an append wholly stored
// is passed over, one partly stored gets the rest, a cut is applied where the
// object is longer. Replaying entries over a store that already holds some
// of them so ends where the process did, since every byte a later append put
// at a position follows, in the journal, the cut that freed it. A flush is an
// fdatasync of the files written since the last one (flushes arriving
// meanwhile share the next), so a durable append never waits for LevelDB,
// whose writes stall while it compacts. Each entry carries a CRC-32C of its
// header and one of its bytes (the record batches' checksum, storage/native),
// so a torn or stale entry ends the replay of its file.

export const JOURNAL_FILES = ['samsa.journal.0', 'samsa.journal.1'] as const;
/** The last journal entry an exclusive operation (or the last replay) found written: replay starts after it. */
export const JOURNAL_KEY = Buffer.from('journal');

/** Names' UTF-8 bytes, kept across entries (a log appends to the same few objects); emptied when it grows past NAME_CACHE_SIZE. */
const nameBytesCache = new Map<string, Buffer>();
const NAME_CACHE_SIZE = 4096;

function nameBytes(name: string): Buffer {
  let bytes = nameBytesCache.get(name);
  if (bytes === undefined) {
    if (nameBytesCache.size >= NAME_CACHE_SIZE) nameBytesCache.clear();
    bytes = Buffer.from(name, 'utf8');
    nameBytesCache.set(name, bytes);
  }
  return bytes;
}

const APPEND = 1;
const TRUNCATE = 2;
/** crc32c(header) u32, type u8, unused u8, name length u16, sequence u48, position u48, length u32, crc32c(bytes) u32; then the name. */
const HEADER_BYTES = 28;

interface Entry {
  seq: number;
  type: number;
  name: string;
  /** An append's position, a cut's new size. */
  position: number;
  bytes: Buffer;
}

function header(type: number, seq: number, name: string, position: number, bytes: Uint8Array): Buffer {
  const encodedName = nameBytes(name);
  const head = Buffer.allocUnsafe(HEADER_BYTES + encodedName.length);
  head.writeUInt8(type, 4);
  head.writeUInt8(0, 5);
  head.writeUInt16BE(encodedName.length, 6);
  head.writeUIntBE(seq, 8, 6);
  head.writeUIntBE(position, 14, 6);
  head.writeUInt32BE(bytes.length, 20);
  head.writeUInt32BE(crc32c(bytes), 24);
  encodedName.copy(head, HEADER_BYTES);
  head.writeUInt32BE(crc32c(head, 4, head.length), 0);
  return head;
}

/** The whole entries of one file, in order, up to the first that is torn, damaged or older than the one before. */
function readEntries(file: Buffer): Entry[] {
  const entries: Entry[] = [];
  for (let at = 0; at + HEADER_BYTES <= file.length; ) {
    const nameLength = file.readUInt16BE(at + 6);
    const headEnd = at + HEADER_BYTES + nameLength;
    if (headEnd > file.length || crc32c(file, at + 4, headEnd) !== file.readUInt32BE(at)) break;
    const length = file.readUInt32BE(at + 20);
    if (headEnd + length > file.length || crc32c(file, headEnd, headEnd + length) !== file.readUInt32BE(at + 24)) break;
    const seq = file.readUIntBE(at + 8, 6);
    if (entries.length > 0 && seq <= entries.at(-1)!.seq) break;
    entries.push({
      seq,
      type: file.readUInt8(at + 4),
      name: file.toString('utf8', at + HEADER_BYTES, headEnd),
      position: file.readUIntBE(at + 14, 6),
      bytes: file.subarray(headEnd, headEnd + length),
    });
    at = headEnd + length;
  }
  return entries;
}

function readFileIfAny(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

export interface ReplayContext {
  chunkBytes: number;
  /** An object's chunks changed by a replayed cut: cached copies are dropped. */
  forget(name: string): void;
  warn(message: string): void;
}

/**
 * Entries for objects that are files (an earlier layout kept every object in
 * LevelDB and journaled them all), applied to the files by the same rules.
 */
class ReplayFiles {
  private readonly fds = new Map<string, number | undefined>();

  constructor(private readonly dir: string) {}

  size(name: string): number | undefined {
    const fd = this.fd(name);
    return fd === undefined ? undefined : fstatSync(fd).size;
  }

  write(name: string, position: number, bytes: Buffer): void {
    const fd = this.fd(name)!;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  }

  truncate(name: string, size: number): void {
    ftruncateSync(this.fd(name)!, size);
  }

  /** Syncs and closes what was opened. */
  close(): void {
    for (const fd of this.fds.values()) {
      if (fd === undefined) continue;
      fsyncSync(fd);
      closeSync(fd);
    }
  }

  private fd(name: string): number | undefined {
    if (!this.fds.has(name)) {
      let fd: number | undefined;
      try {
        fd = openSync(join(this.dir, name), 'r+');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      this.fds.set(name, fd);
    }
    return this.fds.get(name);
  }
}

/**
 * Applies what the database lacks of the entries after the last mark, left
 * by a process that stopped before its batches were written; returns the
 * sequence number to go on from. An entry past what is stored (an earlier one
 * lost) is left out with a warning.
 */
export async function replayJournal(db: Db, dir: string, context: ReplayContext): Promise<number> {
  const recorded = await db.get(JOURNAL_KEY);
  const marked = recorded === undefined ? 0 : decodeSize(recorded);
  const entries = JOURNAL_FILES.flatMap((name) => readEntries(readFileIfAny(join(dir, name))));
  const last = entries.reduce((max, entry) => Math.max(max, entry.seq), marked);
  const pending = entries.filter((entry) => entry.seq > marked).sort((a, b) => a.seq - b.seq);
  if (pending.length === 0) return last;
  const sizes = new Map<string, number | undefined>();
  const files = new ReplayFiles(dir);
  let applied = 0;
  let skipped = 0;
  try {
    for (const entry of pending) {
      const data = isSegmentData(entry.name);
      if (!sizes.has(entry.name)) sizes.set(entry.name, data ? await storedSize(db, entry.name) : files.size(entry.name));
      const size = sizes.get(entry.name);
      if (size === undefined) {
        skipped++;
      } else if (entry.type === APPEND) {
        const end = entry.position + entry.bytes.length;
        if (size >= end) continue; // stored already
        if (size < entry.position) {
          skipped++;
          continue;
        }
        // The part stored is this entry's own (any other bytes there were cut by an entry before it).
        const rest = entry.bytes.subarray(size - entry.position);
        if (data) await writeBatch(db, chunkPuts(entry.name, size, rest, context.chunkBytes));
        else files.write(entry.name, size, rest);
        sizes.set(entry.name, end);
        applied++;
      } else if (size >= entry.position) {
        if (size > entry.position) {
          if (data) await writeBatch(db, await truncation(db, entry.name, entry.position));
          else files.truncate(entry.name, entry.position);
          applied++;
        }
        if (data) context.forget(entry.name);
        sizes.set(entry.name, entry.position);
      } else {
        skipped++;
      }
    }
  } finally {
    files.close();
  }
  // Synced before the files are emptied, so that a machine crash cannot lose both copies.
  await writeBatch(db, [{ type: 'put', key: JOURNAL_KEY, value: encodeSize(last) }], true);
  if (applied > 0 || skipped > 0) {
    context.warn(
      `${dir}: applied ${applied} journal entries a stopped process had not written to LevelDB` +
        (skipped > 0 ? `; left out ${skipped} that did not follow what is stored` : ''),
    );
  }
  return last;
}

/**
 * The files change over once the current one holds this much: the batch
 * then takes every chunk held back (written as a piece, never rewritten), so
 * the smaller this is the more chunks end up in pieces; and a file holding
 * synced entries is written over only once LevelDB has synced them too, so
 * durable appends cost the disk the journal's syncs and only now and then one
 * of LevelDB's log.
 */
const ROTATE_BYTES = 1 << 20;

export interface JournalOptions {
  /** fs.fdatasync; a test passes one that records its calls. */
  syncFile?: typeof fdatasync;
  /** See ROTATE_BYTES. */
  rotateBytes?: number;
}

/** The two files of one database's journal, open for writing (emptied when opened). */
export class LevelJournal {
  private readonly fds: number[];
  private readonly offsets = [0, 0];
  /** The batch that took every held-back chunk as each file stopped being current: once it is written, so are all the file's entries. */
  private readonly batches = [0, 0];
  /** Whether each file has entries written since its last fdatasync. */
  private readonly dirty = [false, false];
  /** Whether each file was synced since it was last written over: then its entries may be the only durable copy. */
  private readonly synced = [false, false];
  private current = 0;
  private closed = false;
  /** The last entry's sequence number, and the last one on disk. */
  private seq: number;
  private syncedSeq: number;
  private syncing: Promise<void> | undefined;
  private lastDroppedUnsynced = 0;

  private readonly syncFile: typeof fdatasync;
  private readonly rotateBytes: number;

  constructor(
    private readonly dir: string,
    lastSeq: number,
    options: JournalOptions = {},
  ) {
    this.syncFile = options.syncFile ?? fdatasync;
    this.rotateBytes = options.rotateBytes ?? ROTATE_BYTES;
    this.seq = lastSeq;
    this.syncedSeq = lastSeq;
    const fds: number[] = [];
    try {
      for (const name of JOURNAL_FILES) fds.push(openSync(join(dir, name), 'w'));
    } catch (error) {
      for (const fd of fds) closeSync(fd);
      throw StorageError.from(error, dir, 'opening the LevelDB journal');
    }
    this.fds = fds;
  }

  /** Records an append of `bytes` at `position` to object `name`. */
  append(name: string, position: number, bytes: Uint8Array, path: string): void {
    this.write(APPEND, name, position, bytes, path);
  }

  /** Records a cut of object `name` to `size` bytes (inside the chunk being filled). */
  truncate(name: string, size: number, path: string): void {
    this.write(TRUNCATE, name, size, Buffer.alloc(0), path);
  }

  private write(type: number, name: string, position: number, bytes: Uint8Array, path: string): void {
    const seq = this.seq + 1;
    const head = header(type, seq, name, position, bytes);
    const file = this.current;
    try {
      // A write cut short is overwritten by the next entry, and its remains fail their CRC.
      const written = writevSync(this.fds[file]!, bytes.length > 0 ? [head, bytes] : [head], this.offsets[file]);
      if (written !== head.length + bytes.length) throw Object.assign(new Error('short write to the journal'), { code: 'ENOSPC' });
    } catch (error) {
      throw StorageError.from(error, path, 'journaling an append');
    }
    this.offsets[file] += head.length + bytes.length;
    this.dirty[file] = true;
    this.seq = seq;
  }

  /**
   * Before a batch is sealed: whether it changes the files over (then it must
   * take every chunk held back, and `rotated` is called with it), and whether
   * it must be synced so that the other file can be written over later.
   */
  plan(writtenThrough: number, syncedThrough: number): { rotate: boolean; sync: boolean } {
    if (this.offsets[this.current]! < this.rotateBytes) return { rotate: false, sync: false };
    const other = 1 - this.current;
    if (this.batches[other]! <= (this.synced[other] ? syncedThrough : writtenThrough)) return { rotate: true, sync: false };
    return { rotate: false, sync: this.synced[other]! && this.batches[other]! <= writtenThrough };
  }

  /** Batch `batch`, which took every held-back chunk, covers the current file's entries: the other becomes current, written over from its start. */
  rotated(batch: number): void {
    const other = 1 - this.current;
    if (!this.synced[other]) this.lastDroppedUnsynced = Math.max(this.lastDroppedUnsynced, this.batches[other]!);
    this.batches[this.current] = batch;
    this.current = other;
    this.offsets[other] = 0;
    this.dirty[other] = false;
    this.synced[other] = false;
  }

  /** The put an exclusive operation adds to its batch (written after every batch before it): replay starts after the entries so far. */
  mark(): Operation {
    return { type: 'put', key: JOURNAL_KEY, value: encodeSize(this.seq) };
  }

  /**
   * The last batch whose entries were written over before LevelDB synced
   * it (they were never synced here either): until a synced batch covers it,
   * syncing the journal alone would leave a gap before the entries it holds.
   */
  get droppedUnsynced(): number {
    return this.lastDroppedUnsynced;
  }

  /** Resolves once every entry written before the call is on disk; calls meanwhile share the next fdatasync. */
  async sync(path: string): Promise<void> {
    const target = this.seq;
    while (this.syncedSeq < target) {
      if (this.syncing === undefined) {
        this.syncing = this.syncFiles(path).finally(() => {
          this.syncing = undefined;
        });
      }
      await this.syncing;
    }
  }

  private async syncFiles(path: string): Promise<void> {
    const upTo = this.seq;
    const files = [0, 1].filter((file) => this.dirty[file]);
    for (const file of files) {
      this.dirty[file] = false;
      this.synced[file] = true;
    }
    try {
      await Promise.all(
        files.map((file) => new Promise<void>((resolve, reject) => this.syncFile(this.fds[file]!, (error) => (error ? reject(error) : resolve())))),
      );
    } catch (error) {
      for (const file of files) this.dirty[file] = true;
      throw StorageError.from(error, path, 'syncing the journal');
    }
    this.syncedSeq = Math.max(this.syncedSeq, upTo);
  }

  /** Closes the files; removes them when everything is written, else keeps them for the next open. */
  close(written: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds) closeSync(fd);
    if (!written) return;
    for (const name of JOURNAL_FILES) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // Emptied at the next open all the same.
      }
    }
  }

  /** For tests: how many bytes of entries each file holds now. */
  get sizes(): readonly number[] {
    return [...this.offsets];
  }
}
