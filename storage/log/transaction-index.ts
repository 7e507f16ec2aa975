import type { LogDirectory, StorageObject } from '../backend/storage-backend.js';
import { readInt16, readInt64, writeInt64 } from '../record/big-endian.js';
import { CorruptIndexError } from './log-errors.js';
import { transactionIndexFileName } from './log-file-names.js';

/**
 * An aborted transaction as the `.txnindex` records it (Kafka's AbortedTxn):
 * its producer, its first and last offsets in this partition (the last is
 * its ABORT marker's), and the last stable offset right after it ended: the
 * first offset of the earliest transaction of another producer still open,
 * or the marker's offset + 1 when none was.
 */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

// Kafka's entry, version 0: version int16, producerId int64, firstOffset
// int64, lastOffset int64, lastStableOffset int64.
export const ABORTED_TXN_BYTES = 34;
const VERSION = 0;

export function encodeAbortedTxn(txn: AbortedTxn, into = Buffer.alloc(ABORTED_TXN_BYTES), at = 0): Buffer {
  into.writeInt16BE(VERSION, at);
  writeInt64(into, at + 2, txn.producerId);
  writeInt64(into, at + 10, txn.firstOffset);
  writeInt64(into, at + 18, txn.lastOffset);
  writeInt64(into, at + 26, txn.lastStableOffset);
  return into;
}

/**
 * Reads a `.txnindex` file's entries. Trailing bytes short of an entry (a
 * torn write) are left out, as Kafka's reader stops there; an entry of a
 * newer version is a CorruptIndexError naming `path`.
 */
export function decodeAbortedTxns(bytes: Buffer, path: string): AbortedTxn[] {
  const entries: AbortedTxn[] = [];
  for (let at = 0; bytes.length - at >= ABORTED_TXN_BYTES; at += ABORTED_TXN_BYTES) {
    const version = readInt16(bytes, at);
    if (version > VERSION) throw new CorruptIndexError(path, `aborted transaction version ${version} at byte ${at}; the newest known is ${VERSION}`);
    entries.push({
      producerId: readInt64(bytes, at + 2),
      firstOffset: readInt64(bytes, at + 10),
      lastOffset: readInt64(bytes, at + 18),
      lastStableOffset: readInt64(bytes, at + 26),
    });
  }
  return entries;
}

/**
 * One segment's aborted transactions (Kafka's TransactionIndex, the
 * `.txnindex` file): an entry for each transaction whose ABORT marker lies in
 * the segment, in marker order. As in Kafka the file exists only once a first
 * entry is written, so logs without aborted transactions have none and their
 * appends never touch one. Entries are few and small and are kept in memory:
 * a read_committed fetch looks them up without I/O.
 */
export class TransactionIndex {
  private object: StorageObject | undefined;
  private readonly entries: AbortedTxn[];

  private constructor(
    private readonly dir: LogDirectory,
    readonly baseOffset: number,
    private readonly name: string,
    object: StorageObject | undefined,
    entries: AbortedTxn[],
  ) {
    this.object = object;
    this.entries = entries;
  }

  /** Opens the segment's index, reading its entries when the file exists. */
  static async open(dir: LogDirectory, baseOffset: number, suffix = ''): Promise<TransactionIndex> {
    const name = transactionIndexFileName(baseOffset) + suffix;
    if (!(await dir.exists(name))) return new TransactionIndex(dir, baseOffset, name, undefined, []);
    const object = await dir.open(name);
    const read = await object.read(0, object.size);
    let entries: AbortedTxn[];
    try {
      entries = decodeAbortedTxns(read.bytes, `${dir.path}/${name}`);
    } finally {
      read.release();
    }
    // A torn tail goes, so the next entry is written where a reader looks for it.
    if (object.size !== entries.length * ABORTED_TXN_BYTES) await object.truncate(entries.length * ABORTED_TXN_BYTES);
    return new TransactionIndex(dir, baseOffset, name, object, entries);
  }

  get all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Adds an entry; its marker must come after the last entry's (Kafka refuses otherwise). */
  async append(txn: AbortedTxn): Promise<void> {
    const last = this.entries[this.entries.length - 1];
    if (last && last.lastOffset >= txn.lastOffset) {
      throw new RangeError(`${this.dir.path}/${this.name}: aborted transaction ending at ${txn.lastOffset} is not after the last entry's ${last.lastOffset}`);
    }
    this.object ??= await this.dir.open(this.name, { create: true });
    await this.object.append(encodeAbortedTxn(txn));
    this.entries.push(txn);
  }

  /** Drops the entries whose marker is at or after `offset` (the log is cut there). */
  async truncateTo(offset: number): Promise<void> {
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1]!.lastOffset >= offset) keep--;
    if (keep === this.entries.length) return;
    this.entries.length = keep;
    await this.object?.truncate(keep * ABORTED_TXN_BYTES);
  }

  /** Drops every entry (before a recovery rebuilds them). */
  reset(): Promise<void> {
    return this.truncateTo(-Infinity);
  }

  /**
   * Adds to `out` the entries overlapping [fetchOffset, upperBoundOffset)
   * (Kafka's collectAbortedTxns); true when the search is complete: an entry's
   * last stable offset reached the upper bound, so no later segment can hold
   * a transaction starting below it.
   */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const txn of this.entries) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) out.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  async flush(): Promise<void> {
    await this.object?.flush();
  }

  async close(): Promise<void> {
    await this.object?.close();
    this.object = undefined;
  }
}
