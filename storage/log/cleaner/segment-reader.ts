import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { BATCH_LENGTH, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD } from '../../record/record-batch-layout.js';
import { scanBatches } from '../../record/record-batch-scan.js';
import { RecordBatchView } from '../../record/record-batch-view.js';
import type { LogSegment } from '../log-segment.js';

/**
 * How the cleaner reads segments: whole batches, in chunks of
 * log.cleaner.io.buffer.size read into one buffer it reuses (grown for a
 * batch larger than it, then shrunk back, as Kafka's cleaner does). Views
 * handed out see that buffer and are valid only until the next chunk.
 */
export class SegmentReader {
  private buffer: Buffer;
  /** Bytes read since construction (statistics). */
  bytesRead = 0;

  private readonly ioBufferSize: number;

  constructor(ioBufferSize: number) {
    this.ioBufferSize = Math.max(ioBufferSize, RECORD_BATCH_OVERHEAD); // a header must fit
    this.buffer = Buffer.allocUnsafe(this.ioBufferSize);
  }

  /**
   * Hands `onChunk` the batches of `segment` from byte `position` to its end,
   * one chunk at a time. `checkDone` runs before each read (it throws when
   * the cleaning is aborted); `onChunk` returning false stops the walk.
   */
  async forEachChunk(
    segment: LogSegment,
    position: number,
    checkDone: () => void,
    onChunk: (batches: RecordBatchView[]) => Promise<boolean | void> | boolean | void,
  ): Promise<void> {
    const size = segment.size;
    try {
      while (position < size) {
        checkDone();
        const want = Math.min(this.buffer.length, size - position);
        await segment.log.readInto(position, this.buffer, 0, want);
        this.bytesRead += want;
        const scan = scanBatches(this.buffer, 0, want);
        if (scan.batches.length === 0) {
          // One batch larger than the buffer: grow to fit it, and read again.
          const needed = want >= LOG_OVERHEAD ? LOG_OVERHEAD + this.buffer.readInt32BE(BATCH_LENGTH) : 0;
          if (needed <= want || position + needed > size) {
            throw new CorruptRecordError(`segment ${segment.baseOffset}: ${size - position} bytes at byte ${position} do not form a whole record batch`);
          }
          this.buffer = Buffer.allocUnsafe(needed);
          continue;
        }
        position += scan.end;
        if ((await onChunk(scan.batches)) === false) break;
      }
    } finally {
      if (this.buffer.length > this.ioBufferSize) this.buffer = Buffer.allocUnsafe(this.ioBufferSize);
    }
  }

  /**
   * Hands `onHeader` a view of each batch's header in `segment`, in order,
   * without decoding records. Chunks are read whole (one read per chunk is
   * far cheaper than one per header, on LevelDB above all); a batch longer
   * than what is left of a chunk is skipped without reading its records.
   */
  async forEachHeader(segment: LogSegment, checkDone: () => void, onHeader: (header: RecordBatchView) => void): Promise<void> {
    const size = segment.size;
    let position = 0;
    while (size - position >= RECORD_BATCH_OVERHEAD) {
      checkDone();
      const want = Math.min(this.buffer.length, size - position);
      await segment.log.readInto(position, this.buffer, 0, want);
      this.bytesRead += want;
      let at = 0;
      while (want - at >= RECORD_BATCH_OVERHEAD) {
        const header = new RecordBatchView(this.buffer, at);
        if (header.batchLength < MIN_BATCH_LENGTH) {
          throw new CorruptRecordError(`segment ${segment.baseOffset}: batchLength ${header.batchLength} at byte ${position + at} is smaller than the ${MIN_BATCH_LENGTH}-byte minimum`);
        }
        onHeader(header);
        at += header.sizeInBytes;
      }
      position += at; // the next header, possibly past this chunk
    }
  }
}
