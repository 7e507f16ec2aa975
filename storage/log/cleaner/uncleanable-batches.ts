import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import type { RecordBatchView } from '../../record/record-batch-view.js';

/**
 * A batch whose records cannot be read: compressed records that expand past
 * the codecs' limit (a decompression bomb), corrupt compressed data, records
 * that do not fit the header. Appends check batches through their headers
 * only, so such a batch can be in a log. Kafka's cleaner gives up on the
 * whole partition; samsa's keeps the batch as it is, unread (its keys never
 * enter the offset map, so nothing is dropped in its favour), and cleans the rest.
 */
export interface UncleanableBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** With the base offset, tells the batch from another written at the same offsets after a truncation. */
  readonly crc: number;
  /** Why its records cannot be read. */
  readonly reason: string;
}

/** The uncleanable batches of one cleaning: those earlier cleanings of the log found, and those this one finds. */
export class UncleanableBatches {
  private readonly byBaseOffset = new Map<number, UncleanableBatch>();
  /** Those this cleaning found. */
  readonly found: UncleanableBatch[] = [];

  constructor(known: readonly UncleanableBatch[] = []) {
    for (const batch of known) this.byBaseOffset.set(batch.baseOffset, batch);
  }

  /** Whether the batch is known to be uncleanable: then it is kept without being read again. */
  has(batch: RecordBatchView): boolean {
    if (this.byBaseOffset.size === 0) return false;
    return this.byBaseOffset.get(batch.baseOffset)?.crc === batch.crc;
  }

  /**
   * Notes the batch as uncleanable if `error`, met reading its records, says
   * they cannot be read (a CorruptRecordError); false for any other error,
   * which the caller rethrows.
   */
  noteUnreadable(batch: RecordBatchView, error: unknown): boolean {
    if (!(error instanceof CorruptRecordError)) return false;
    const entry: UncleanableBatch = { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, crc: batch.crc, reason: error.message };
    this.byBaseOffset.set(entry.baseOffset, entry);
    this.found.push(entry);
    return true;
  }
}
