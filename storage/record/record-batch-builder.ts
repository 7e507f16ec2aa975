import { CompressionType } from '../../codecs/codec.js';
import { codecFor } from '../../codecs/index.js';
import { crc32c } from '../native/crc32c.js';
import { writeInt64 } from './big-endian.js';
import * as L from './record-batch-layout.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** Key, value or header value: bytes, a string (written as UTF-8), or null. */
export type RecordBytes = Uint8Array | string | null;

export interface RecordHeaderInput {
  readonly key: string;
  readonly value: RecordBytes;
}

export interface RecordInput {
  readonly key?: RecordBytes;
  readonly value?: RecordBytes;
  readonly headers?: readonly RecordHeaderInput[];
  /** Defaults to `now` (see RecordBatchOptions). */
  readonly timestamp?: number;
  /** Defaults to the previous record's offsetDelta + 1 (the record's index). */
  readonly offsetDelta?: number;
}

export interface RecordBatchOptions {
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  readonly compression?: CompressionType;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  /** Stamps the batch LogAppendTime with this maxTimestamp; records keep their own deltas. */
  readonly logAppendTime?: number;
  /** Set by the cleaner: becomes baseTimestamp and sets the hasDeleteHorizonMs bit. */
  readonly deleteHorizonMs?: number;
  /** At least the last record's offsetDelta; larger when compaction removed records at the end. */
  readonly lastOffsetDelta?: number;
  /** Timestamp for records without one; defaults to Date.now(). */
  readonly now?: number;
}

// Reused between builds: record sizes from the sizing pass, and the
// uncompressed records of compressed batches.
let bodySizes = new Int32Array(1024);
let compressionScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encodes records into one v2 record batch, byte-for-byte as Kafka's Java
 * producer lays it out: baseTimestamp is the first record's timestamp,
 * maxTimestamp the largest, record attributes 0. Used by samsa's producer,
 * tests and the log cleaner; the broker never re-encodes what clients send.
 *
 * Two passes over the records: the first sizes them so the output is
 * allocated once at its final size, the second writes them straight into it
 * (or into a reused scratch buffer when compressing). Nothing is allocated
 * per record.
 */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  const count = records.length;
  const now = options.now ?? Date.now();
  const hasDeleteHorizon = options.deleteHorizonMs !== undefined;
  const baseTimestamp = options.deleteHorizonMs ?? (count > 0 ? (records[0]!.timestamp ?? now) : L.NO_TIMESTAMP);

  if (bodySizes.length < count) bodySizes = new Int32Array(Math.max(count, bodySizes.length * 2));
  let maxTimestamp = L.NO_TIMESTAMP;
  let offsetDelta = -1;
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? now;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    offsetDelta = nextOffsetDelta(record, offsetDelta, i);
    let size = 1 + sizeOfVarlong(timestamp - baseTimestamp) + sizeOfVarint(offsetDelta);
    size += sizeOfBytes(record.key) + sizeOfBytes(record.value);
    const headers = record.headers;
    if (headers === undefined) {
      size += 1;
    } else {
      size += sizeOfVarint(headers.length);
      for (let h = 0; h < headers.length; h++) size += sizeOfBytes(headers[h]!.key) + sizeOfBytes(headers[h]!.value);
    }
    bodySizes[i] = size;
    recordsSize += sizeOfVarint(size) + size;
  }
  const lastOffsetDelta = options.lastOffsetDelta ?? Math.max(offsetDelta, 0);
  if (lastOffsetDelta < offsetDelta || (lastOffsetDelta | 0) !== lastOffsetDelta) {
    throw new RangeError(`lastOffsetDelta ${lastOffsetDelta} must be an int32 of at least the last record's offsetDelta ${offsetDelta}`);
  }

  const compression = options.compression ?? CompressionType.None;
  let batch: Buffer;
  if (compression === CompressionType.None) {
    batch = Buffer.allocUnsafe(L.RECORD_BATCH_OVERHEAD + recordsSize);
    writeRecords(batch, L.RECORDS, records, baseTimestamp, now);
  } else {
    if (compressionScratch.length < recordsSize) compressionScratch = Buffer.allocUnsafe(Math.max(recordsSize, compressionScratch.length * 2));
    writeRecords(compressionScratch, 0, records, baseTimestamp, now);
    const compressed = codecFor(compression).compress(compressionScratch.subarray(0, recordsSize));
    batch = Buffer.allocUnsafe(L.RECORD_BATCH_OVERHEAD + compressed.length);
    batch.set(compressed, L.RECORDS);
  }

  let attributes: number = compression;
  if (options.logAppendTime !== undefined) attributes |= L.TIMESTAMP_TYPE_BIT;
  if (options.isTransactional) attributes |= L.TRANSACTIONAL_BIT;
  if (options.isControl) attributes |= L.CONTROL_BIT;
  if (hasDeleteHorizon) attributes |= L.DELETE_HORIZON_BIT;

  writeInt64(batch, L.BASE_OFFSET, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - L.LOG_OVERHEAD, L.BATCH_LENGTH);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? L.NO_PARTITION_LEADER_EPOCH, L.PARTITION_LEADER_EPOCH);
  batch.writeInt8(L.CURRENT_MAGIC, L.MAGIC);
  batch.writeInt16BE(attributes, L.ATTRIBUTES);
  batch.writeInt32BE(lastOffsetDelta, L.LAST_OFFSET_DELTA);
  writeInt64(batch, L.BASE_TIMESTAMP, baseTimestamp);
  writeInt64(batch, L.MAX_TIMESTAMP, options.logAppendTime ?? maxTimestamp);
  writeInt64(batch, L.PRODUCER_ID, options.producerId ?? L.NO_PRODUCER_ID);
  batch.writeInt16BE(options.producerEpoch ?? L.NO_PRODUCER_EPOCH, L.PRODUCER_EPOCH);
  batch.writeInt32BE(options.baseSequence ?? L.NO_SEQUENCE, L.BASE_SEQUENCE);
  batch.writeInt32BE(count, L.RECORD_COUNT);
  // Last, once every byte it covers is in place.
  batch.writeUInt32BE(crc32c(batch, L.ATTRIBUTES), L.CRC);
  return batch;
}

/** Second pass: writes the records sized by the first pass (sizes in `bodySizes`). */
function writeRecords(target: Buffer, position: number, records: readonly RecordInput[], baseTimestamp: number, now: number): void {
  let offsetDelta = -1;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    offsetDelta = record.offsetDelta ?? offsetDelta + 1;
    position = writeVarint(target, position, bodySizes[i]!);
    target[position++] = 0; // record attributes: none are defined
    position = writeVarlong(target, position, (record.timestamp ?? now) - baseTimestamp);
    position = writeVarint(target, position, offsetDelta);
    position = writeBytes(target, position, record.key);
    position = writeBytes(target, position, record.value);
    const headers = record.headers;
    if (headers === undefined) {
      target[position++] = 0;
    } else {
      position = writeVarint(target, position, headers.length);
      for (let h = 0; h < headers.length; h++) {
        position = writeBytes(target, position, headers[h]!.key);
        position = writeBytes(target, position, headers[h]!.value);
      }
    }
  }
}

function nextOffsetDelta(record: RecordInput, previous: number, index: number): number {
  const offsetDelta = record.offsetDelta ?? previous + 1;
  if ((offsetDelta | 0) !== offsetDelta || offsetDelta <= previous) {
    throw new RangeError(`record ${index}: offsetDelta ${offsetDelta} must be an int32 above the previous record's ${previous}`);
  }
  return offsetDelta;
}

function sizeOfBytes(bytes: RecordBytes | undefined): number {
  if (bytes === null || bytes === undefined) return 1;
  const length = typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
  return sizeOfVarint(length) + length;
}

function writeBytes(target: Buffer, position: number, bytes: RecordBytes | undefined): number {
  if (bytes === null || bytes === undefined) return writeVarint(target, position, -1);
  if (typeof bytes === 'string') {
    position = writeVarint(target, position, Buffer.byteLength(bytes, 'utf8'));
    return position + target.write(bytes, position, 'utf8');
  }
  position = writeVarint(target, position, bytes.length);
  target.set(bytes, position);
  return position + bytes.length;
}
