import type { StorageObject } from '../backend/storage-backend.js';
import { readInt32, readInt64, writeInt64 } from '../record/big-endian.js';
import { IndexFile } from './index-file.js';

const ENTRY = 12; // timestamp int64 + relative offset int32

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

/**
 * The time index of one segment (`.timeindex`): entries of (largest timestamp
 * so far, the offset holding it), strictly increasing in timestamp, so a
 * timestamp lookup is a binary search.
 */
export class TimeIndex extends IndexFile {
  private readonly scratch = Buffer.alloc(ENTRY);

  static async open(object: StorageObject, baseOffset: number, maxBytes: number): Promise<TimeIndex> {
    const index = new TimeIndex(object, baseOffset, ENTRY, maxBytes);
    await index.load();
    return index;
  }

  protected keyAt(i: number): number {
    return readInt64(this.entries, i * ENTRY);
  }

  get lastTimestamp(): number {
    return this.count === 0 ? -1 : this.keyAt(this.count - 1);
  }

  /** Adds an entry only when the timestamp grows past the last one, as Kafka does. */
  maybeAdd(timestamp: number, offset: number): void {
    if (this.count > 0 && timestamp <= this.lastTimestamp) return;
    writeInt64(this.scratch, 0, timestamp);
    this.scratch.writeInt32BE(offset - this.baseOffset, 8);
    this.addEntry(this.scratch);
  }

  /** The last entry whose timestamp is ≤ `timestamp`; undefined when none is. */
  lookup(timestamp: number): TimestampOffset | undefined {
    const i = this.floor(timestamp);
    if (i < 0) return undefined;
    return { timestamp: this.keyAt(i), offset: this.baseOffset + readInt32(this.entries, i * ENTRY + 8) };
  }

  /** Drops entries that point at offsets ≥ `offset`. */
  async truncateTo(offset: number): Promise<void> {
    let keep = this.count;
    while (keep > 0 && this.baseOffset + readInt32(this.entries, (keep - 1) * ENTRY + 8) >= offset) keep--;
    await this.keep(keep);
  }
}
