import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { readInt32 } from './big-endian.js';
import { BATCH_LENGTH, LOG_OVERHEAD, MIN_BATCH_LENGTH } from './record-batch-layout.js';
import { RecordBatchView } from './record-batch-view.js';

/**
 * Size of the whole batch starting at `position`, or -1 if fewer bytes than
 * that remain before `end` (a partial batch). Reads only the batchLength
 * field, so walking a segment with it allocates nothing. A batchLength too
 * small for a header is corrupt: the next batch's position cannot be trusted.
 */
export function sizeOfBatchAt(buffer: Buffer, position: number, end = buffer.length): number {
  if (end - position < LOG_OVERHEAD) return -1;
  const batchLength = readInt32(buffer, position + BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new CorruptRecordError(`batchLength ${batchLength} at byte ${position} is smaller than the ${MIN_BATCH_LENGTH}-byte minimum`);
  }
  const size = LOG_OVERHEAD + batchLength;
  return size > end - position ? -1 : size;
}

export interface BatchScan {
  /** One view per whole batch, in order: views over the buffer, no copies. */
  readonly batches: RecordBatchView[];
  /** Where the whole batches end. */
  readonly end: number;
  /** Bytes after `end`: a partial batch, as a fetch response may end with. */
  readonly partialBytes: number;
}

/**
 * Splits concatenated batches (a Produce request's records, a segment's bytes,
 * a fetch response) into views by their length fields alone. It does not
 * check CRCs or headers: callers that accept data call `validate()` per view.
 */
export function scanBatches(buffer: Buffer, start = 0, end = buffer.length): BatchScan {
  const batches: RecordBatchView[] = [];
  let position = start;
  for (;;) {
    const size = sizeOfBatchAt(buffer, position, end);
    if (size < 0) break;
    batches.push(new RecordBatchView(buffer, position));
    position += size;
  }
  return { batches, end: position, partialBytes: end - position };
}

/**
 * Splits and fully validates records that must hold whole batches only (a
 * Produce request's records): a partial batch, bad header or bad CRC is a
 * CorruptRecordError.
 */
export function validateBatches(buffer: Buffer, start = 0, end = buffer.length): RecordBatchView[] {
  const scan = scanBatches(buffer, start, end);
  if (scan.partialBytes > 0) {
    throw new CorruptRecordError(`${scan.partialBytes} bytes at byte ${scan.end} do not form a whole record batch`);
  }
  for (const batch of scan.batches) batch.validate();
  return scan.batches;
}
