import { type PooledBytes, unpooled } from '../backend/buffer-pool.js';
import type { AbortedTxn } from './transaction-index.js';

/**
 * What a read of the log returns: whole stored batches (never re-encoded),
 * owned by the reader as PooledBytes. On the file backend a large read is a
 * buffer of `sharedBufferPool`; a reader done with the bytes calls
 * `release()` (the broker's connection does once the fetch response is
 * written), which spares the next read fresh memory. Not calling it is fine.
 */
export interface FetchData extends PooledBytes {
  /** Whole stored batches; empty at the log end. */
  readonly bytes: Buffer;
  /** Base offset of the first batch returned (may precede the offset asked for). */
  readonly firstOffset: number;
  /** A read_committed read's: the aborted transactions overlapping what was read, as Kafka's fetch lists them. */
  readonly abortedTransactions?: readonly AbortedTxn[];
}

/** The batches cut from the front of one backend read, whose release is the read's. */
export class SegmentRead implements FetchData {
  constructor(
    readonly bytes: Buffer,
    readonly firstOffset: number,
    private readonly read: PooledBytes,
    /** Byte position of the first batch in its segment's `.log` (-1 for no batches). */
    readonly position = -1,
    readonly abortedTransactions?: readonly AbortedTxn[],
  ) {}

  release(): void {
    this.read.release();
  }
}

const NOTHING = unpooled(Buffer.alloc(0));

/** No batches (at or past the end of what may be read), as a read from `offset`; a read_committed one lists no aborted transactions. */
export function emptyRead(offset: number, abortedTransactions?: readonly AbortedTxn[]): FetchData {
  return new SegmentRead(NOTHING.bytes, offset, NOTHING, -1, abortedTransactions);
}
