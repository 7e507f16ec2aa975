import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { BATCH_LENGTH, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD } from '../../record/record-batch-layout.js';
import { sizeOfBatchAt } from '../../record/record-batch-scan.js';
import type { LogSegment } from '../log-segment.js';

/** Bytes of a segment read into a buffer, for the cleaner's core. */
export interface SegmentChunk {
  /** The buffer read into (a larger one than asked for when one batch did not fit). */
  readonly buffer: ArrayBuffer;
  /** Bytes of the chunk in `buffer`, from its start. */
  readonly length: number;
  /** Where the next chunk starts in the segment. */
  readonly next: number;
}

/** Buffers kept for reuse: as many as the cleaner keeps in flight. */
const MAX_SPARE_BUFFERS = 2;

/**
 * How the cleaner reads segments on the main thread (the backends' files,
 * mappings and LevelDB handles belong to it): chunks of log.cleaner.io.buffer.size
 * read into plain ArrayBuffers, which travel to the cleaner's worker thread
 * and back (transferred, not copied) and are then read into again. A batch
 * larger than the buffer gets a buffer of its own, let go afterwards (Kafka
 * grows its buffer and shrinks it back). Only length fields are looked at
 * here; the records are the worker's business.
 */
export class SegmentReader {
  /** Bytes read since construction (statistics). */
  bytesRead = 0;
  readonly ioBufferSize: number;
  private readonly spares: ArrayBuffer[] = [];

  constructor(ioBufferSize: number) {
    this.ioBufferSize = Math.max(ioBufferSize, RECORD_BATCH_OVERHEAD); // a header must fit
  }

  /** A buffer to read a chunk into. */
  take(): ArrayBuffer {
    return this.spares.pop() ?? new ArrayBuffer(this.ioBufferSize);
  }

  /** Gives back a buffer once its chunk is done with. */
  release(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.ioBufferSize && this.spares.length < MAX_SPARE_BUFFERS) this.spares.push(buffer);
  }

  /** Reads the whole batches of `segment` from byte `position` that fit in `buffer` (or the one batch there, however large). */
  async readBatches(segment: LogSegment, position: number, buffer: ArrayBuffer): Promise<SegmentChunk> {
    const size = segment.size;
    for (;;) {
      const view = Buffer.from(buffer);
      const want = Math.min(view.length, size - position);
      await segment.log.readInto(position, view, 0, want);
      this.bytesRead += want;
      let end = 0;
      for (let batch = sizeOfBatchAt(view, 0, want); batch > 0; batch = sizeOfBatchAt(view, end, want)) end += batch;
      if (end > 0) return { buffer, length: end, next: position + end };
      // One batch larger than the buffer: read it again into one that fits.
      const needed = want >= LOG_OVERHEAD ? LOG_OVERHEAD + view.readInt32BE(BATCH_LENGTH) : 0;
      if (needed <= want || position + needed > size) {
        throw new CorruptRecordError(`segment ${segment.baseOffset}: ${size - position} bytes at byte ${position} do not form a whole record batch`);
      }
      this.release(buffer);
      buffer = new ArrayBuffer(needed);
    }
  }

  /**
   * Reads a chunk of `segment` from `position` for a walk over its batch
   * headers: the chunk holds every header that fits whole in it, and `next`
   * is the header after the last of them, possibly past the chunk (the
   * records of a batch running past it are skipped, never read). One read
   * per chunk is far cheaper than one per header, on LevelDB above all.
   */
  async readHeaders(segment: LogSegment, position: number, buffer: ArrayBuffer): Promise<SegmentChunk> {
    const view = Buffer.from(buffer);
    const want = Math.min(view.length, segment.size - position);
    await segment.log.readInto(position, view, 0, want);
    this.bytesRead += want;
    let at = 0;
    while (want - at >= RECORD_BATCH_OVERHEAD) {
      const batchLength = view.readInt32BE(at + BATCH_LENGTH);
      if (batchLength < MIN_BATCH_LENGTH) {
        throw new CorruptRecordError(
          `segment ${segment.baseOffset}: batchLength ${batchLength} at byte ${position + at} is smaller than the ${MIN_BATCH_LENGTH}-byte minimum`,
        );
      }
      at += LOG_OVERHEAD + batchLength;
    }
    return { buffer, length: want, next: position + at };
  }
}
