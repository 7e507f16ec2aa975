import type { StorageObject } from '../backend/storage-backend.js';
import { readInt32 } from '../record/big-endian.js';
import { IndexFile } from './index-file.js';

const ENTRY = 8; // relative offset int32 + position int32

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
    const i = this.floor(offset - this.baseOffset);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.keyAt(i), position: readInt32(this.entries, i * ENTRY + 4) };
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
