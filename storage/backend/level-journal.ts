import { closeSync, fdatasync, openSync, readFileSync, unlinkSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../native/crc32c.js';
import { chunkPuts, truncation } from './level-chunks.js';
import { decodeSize, encodeSize, metaKey, type Operation, storedSize, writeBatch } from './level-keys.js';
import type { Db } from './level-store.js';
import { StorageError } from './storage-error.js';

// The journal beside a log directory's LevelDB database. An append on LevelDB
// is taken into memory and written behind in batches (level-writer.ts); so
// that it may be answered at once and still survive a process crash, as the
// file backend's page cache keeps it, it is first written here, one write
// system call per append (or cut of a chunk being filled), to one of two
// files: entries go to the current one, and at each batch's sealing the other
// becomes current once every batch holding its entries is in LevelDB. Each
// batch records the last entry it covers under JOURNAL_KEY, so at the next
// open the entries after it are what LevelDB lacks: they are applied then,
// in order. A flush is an fdatasync of the files written since the last one
// (flushes arriving meanwhile share the next), so a durable append never
// waits for LevelDB, whose writes stall while it compacts; a file synced so
// is written over only once LevelDB has synced the batches holding its
// entries (the writer then syncs the batch it seals). Each entry carries a
// CRC-32C of its header and one of its bytes (the record batches' checksum,
// storage/native), so a torn or stale entry ends the replay of its file.

export const JOURNAL_FILES = ['samsa.journal.0', 'samsa.journal.1'] as const;
/** The last journal entry the database holds, written with each batch. */
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
 * Applies to the database the entries its last batch did not cover, left by
 * a process that stopped before writing them; returns the sequence number to
 * go on from. An entry that does not follow what is stored (an earlier one
 * lost) is left out with a warning.
 */
export async function replayJournal(db: Db, dir: string, context: ReplayContext): Promise<number> {
  const recorded = await db.get(JOURNAL_KEY);
  const applied = recorded === undefined ? 0 : decodeSize(recorded);
  const entries = JOURNAL_FILES.flatMap((name) => readEntries(readFileIfAny(join(dir, name))));
  const last = entries.reduce((max, entry) => Math.max(max, entry.seq), applied);
  const pending = entries.filter((entry) => entry.seq > applied).sort((a, b) => a.seq - b.seq);
  if (pending.length === 0) return last;
  const sizes = new Map<string, number | undefined>();
  let skipped = 0;
  for (const entry of pending) {
    if (!sizes.has(entry.name)) sizes.set(entry.name, await storedSize(db, entry.name));
    const size = sizes.get(entry.name);
    if (entry.type === APPEND && size === entry.position) {
      const ops = chunkPuts(entry.name, entry.position, entry.bytes, context.chunkBytes);
      ops.push({ type: 'put', key: metaKey(entry.name), value: encodeSize(size + entry.bytes.length) });
      await writeBatch(db, ops);
      sizes.set(entry.name, size + entry.bytes.length);
    } else if (entry.type === TRUNCATE && size !== undefined && size >= entry.position) {
      if (size > entry.position) await writeBatch(db, await truncation(db, entry.name, entry.position));
      context.forget(entry.name);
      sizes.set(entry.name, entry.position);
    } else {
      skipped++;
    }
  }
  // Synced before the files are emptied, so that a machine crash cannot lose both copies.
  await writeBatch(db, [{ type: 'put', key: JOURNAL_KEY, value: encodeSize(last) }], true);
  context.warn(
    `${dir}: applied ${pending.length - skipped} journal entries a stopped process had not written to LevelDB` +
      (skipped > 0 ? `; left out ${skipped} that did not follow what is stored` : ''),
  );
  return last;
}

/**
 * A file holding synced entries is written over only once LevelDB has synced
 * them too; the writer is asked for such a sync once the current file holds
 * this much, not at every batch, so that durable appends cost the disk the
 * journal's syncs and only now and then one of LevelDB's log.
 */
const SYNCED_ROTATE_BYTES = 1 << 20;

export interface JournalOptions {
  /** fs.fdatasync; a test passes one that records its calls. */
  syncFile?: typeof fdatasync;
  /** See SYNCED_ROTATE_BYTES. */
  syncedRotateBytes?: number;
}

/** The two files of one database's journal, open for writing (emptied when opened). */
export class LevelJournal {
  private readonly fds: number[];
  private readonly offsets = [0, 0];
  /** The highest writer batch holding entries of each file. */
  private readonly batches = [0, 0];
  /** Whether each file has entries written since its last fdatasync. */
  private readonly dirty = [false, false];
  /** Whether each file was synced since it was last written over: then its entries may be the only durable copy. */
  private readonly synced = [false, false];
  private current = 0;
  private closed = false;
  /** The last entry's sequence number, the last one sealed into a batch, the last one on disk. */
  private seq: number;
  private sealedSeq: number;
  private syncedSeq: number;
  private syncing: Promise<void> | undefined;
  private lastDroppedUnsynced = 0;

  private readonly syncFile: typeof fdatasync;
  private readonly syncedRotateBytes: number;

  constructor(
    private readonly dir: string,
    lastSeq: number,
    options: JournalOptions = {},
  ) {
    this.syncFile = options.syncFile ?? fdatasync;
    this.syncedRotateBytes = options.syncedRotateBytes ?? SYNCED_ROTATE_BYTES;
    this.seq = lastSeq;
    this.sealedSeq = lastSeq;
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

  /** Records an append of `bytes` at `position` to object `name`, to be carried by writer batch `batch`. */
  append(name: string, position: number, bytes: Uint8Array, batch: number, path: string): void {
    this.write(APPEND, name, position, bytes, batch, path);
  }

  /** Records a cut of object `name` to `size` bytes (inside the chunk being filled). */
  truncate(name: string, size: number, batch: number, path: string): void {
    this.write(TRUNCATE, name, size, Buffer.alloc(0), batch, path);
  }

  private write(type: number, name: string, position: number, bytes: Uint8Array, batch: number, path: string): void {
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
    this.batches[file] = batch;
    this.dirty[file] = true;
    this.seq = seq;
  }

  /**
   * At a batch's sealing: adds the put recording the last entry the batch
   * covers, and makes the other file current when every batch holding its
   * entries is written — synced too, if the file was (it is written over
   * from its start: the entries left there are older than what the database
   * records, and a replay stops at them). Returns whether the sealed batch
   * must be synced: the other file waits only for that, and the current one
   * holds SYNCED_ROTATE_BYTES.
   */
  seal(ops: Operation[], writtenThrough: number, syncedThrough: number): boolean {
    if (this.seq !== this.sealedSeq) {
      ops.push({ type: 'put', key: JOURNAL_KEY, value: encodeSize(this.seq) });
      this.sealedSeq = this.seq;
    }
    const other = 1 - this.current;
    if (this.offsets[this.current] === 0) return false;
    if (this.batches[other]! <= (this.synced[other] ? syncedThrough : writtenThrough)) {
      if (!this.synced[other]) this.lastDroppedUnsynced = Math.max(this.lastDroppedUnsynced, this.batches[other]!);
      this.current = other;
      this.offsets[other] = 0;
      this.dirty[other] = false;
      this.synced[other] = false;
      return false;
    }
    return this.synced[other]! && this.batches[other]! <= writtenThrough && this.offsets[this.current]! >= this.syncedRotateBytes;
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
