import type { StorageObject } from '../backend/storage-backend.js';
import { readInt32, readInt64, writeInt64 } from '../record/big-endian.js';
import { IndexFile } from './index-file.js';
import { CorruptIndexError } from './log-errors.js';

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
    const i = this.floorEntry(timestamp);
    return i < 0 ? undefined : this.entryAt(i);
  }

  /** The number of the last entry whose timestamp is ≤ `timestamp`, -1 when none is. */
  floorEntry(timestamp: number): number {
    return this.floor(timestamp);
  }

  /** Entry `i`: the largest timestamp up to a batch, and that batch's last offset. */
  entryAt(i: number): TimestampOffset {
    return { timestamp: this.keyAt(i), offset: this.baseOffset + readInt32(this.entries, i * ENTRY + 8) };
  }

  /** In memory: offsets from the base on, never going back (timestamps grow: load keeps only growing entries). Throws CorruptIndexError. */
  sanityCheck(): void {
    let previous = this.baseOffset;
    for (let i = 0; i < this.count; i++) {
      const { offset } = this.entryAt(i);
      if (offset < previous) throw new CorruptIndexError(this.object.path, `entry ${i} has offset ${offset}, below ${previous}`);
      previous = offset;
    }
  }

  /** Drops entries that point at offsets ≥ `offset`. */
  async truncateTo(offset: number): Promise<void> {
    let keep = this.count;
    while (keep > 0 && this.baseOffset + readInt32(this.entries, (keep - 1) * ENTRY + 8) >= offset) keep--;
    await this.keep(keep);
  }
}
