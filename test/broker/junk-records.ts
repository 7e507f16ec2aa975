import { crc32c } from '../../storage/native/crc32c.js';
import { CRC, RECORDS } from '../../storage/record/record-batch-layout.js';

/** A batch whose record bytes are replaced by `fill`, its CRC made valid again: headers pass, records do not decode. */
export function withJunkRecords(batch: Buffer, fill: number): Buffer {
  batch.fill(fill, RECORDS);
  batch.writeUInt32BE(crc32c(batch, CRC + 4) >>> 0, CRC);
  return batch;
}
