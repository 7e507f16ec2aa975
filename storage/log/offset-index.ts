import type { StorageObject } from '../backend/storage-backend.js';
import { readInt32 } from '../record/big-endian.js';
import { IndexFile } from './index-file.js';
import { CorruptIndexError } from './log-errors.js';

const ENTRY = 8; // relative offset int32 + position int32

/** The largest offset a segment can index relative to its base: relative offsets are int32 (a segment rolls before one would overflow). */
export const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;

export interface OffsetPosition {
  offset: number;
  position: number;
}

/**
 * The sparse offset index of one segment (`.index`): every index.interval.bytes
 * of log, an entry mapping a batch's last offset (relative to the segment's
 * base offset) to the batch's byte position in the `.log`.
 */
export class OffsetIndex extends IndexFile {
  private readonly scratch = Buffer.alloc(ENTRY);

  static async open(object: StorageObject, baseOffset: number, maxBytes: number): Promise<OffsetIndex> {
    const index = new OffsetIndex(object, baseOffset, ENTRY, maxBytes);
    await index.load();
    return index;
  }

  protected keyAt(i: number): number {
    return readInt32(this.entries, i * ENTRY);
  }

  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.baseOffset + this.keyAt(this.count - 1);
  }

  /** Adds an entry (written to the backend a block at a time: see IndexFile). */
  add(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    if (this.count > 0 && relative <= this.keyAt(this.count - 1)) {
      throw new RangeError(`offset ${offset} is not after the index's last offset ${this.lastOffset}`);
    }
    this.scratch.writeInt32BE(relative, 0);
    this.scratch.writeInt32BE(position, 4);
    this.addEntry(this.scratch);
  }

  /** The last entry at or before `offset`; the segment start when there is none. */
  lookup(offset: number): OffsetPosition {
    const i = this.floorEntry(offset);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(i);
  }

  /** The number of the last entry at or before `offset`, -1 when none is. */
  floorEntry(offset: number): number {
    return this.floor(offset - this.baseOffset);
  }

  /** Entry `i`: a batch's last offset and the batch's position in the log. */
  entryAt(i: number): OffsetPosition {
    return { offset: this.baseOffset + this.keyAt(i), position: readInt32(this.entries, i * ENTRY + 4) };
  }

  /**
   * Kafka's sanity check and a little more, in memory: offsets not below the
   * base (they grow: load keeps only growing entries), positions growing and
   * inside a log of `logSize` bytes. Throws CorruptIndexError.
   */
  sanityCheck(logSize: number): void {
    let previous = -1;
    for (let i = 0; i < this.count; i++) {
      const { offset, position } = this.entryAt(i);
      if (offset < this.baseOffset) throw new CorruptIndexError(this.object.path, `entry ${i} has offset ${offset}, below the base offset ${this.baseOffset}`);
      if (position <= previous || position >= logSize) {
        throw new CorruptIndexError(this.object.path, `entry ${i} has position ${position}, not after ${previous} and before the log's end ${logSize}`);
      }
      previous = position;
    }
  }

  /** The offset of the first entry at or past byte `position`, or undefined (Kafka's fetchUpperBoundOffset; positions grow with offsets). */
  firstOffsetAtOrAfterPosition(position: number): number | undefined {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (readInt32(this.entries, mid * ENTRY + 4) >= position) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.count ? this.baseOffset + this.keyAt(lo) : undefined;
  }

  /** Drops entries for offsets ≥ `offset`. */
  async truncateTo(offset: number): Promise<void> {
    await this.keep(this.floor(offset - this.baseOffset - 1) + 1);
  }
}
