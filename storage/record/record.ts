import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { codecFor } from '../../codecs/index.js';
import { MIN_RECORD_SIZE, TimestampType } from './record-batch-layout.js';
import type { RecordBatchView } from './record-batch-view.js';
import { type ByteCursor, readVarint, readVarlong } from './varint.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * One record as a reader sees it: absolute offset and timestamp, slices of the
 * batch (or of its decompressed records) for key, value and header values.
 * Kafka calls this Record; the name here avoids shadowing TypeScript's Record<K, V>.
 */
export interface LogRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface DecodeRecordsOptions {
  /** Check the CRC before decoding (default true); pass false when the batch was just validated. */
  readonly verifyCrc?: boolean;
  /** Refuse compressed records that expand beyond this; the codec's default otherwise. */
  readonly maxDecompressedBytes?: number;
}

interface RecordCursor extends ByteCursor {
  readonly buffer: Buffer;
}

// Shared by every record without headers, so they cost no array.
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** The fewest bytes after a record's length: attributes, two deltas, key and value lengths, header count. */
const MIN_RECORD_BODY = MIN_RECORD_SIZE - 1;

/**
 * Decodes a batch's records lazily, one per iteration, decompressing the
 * records section (once) only when a caller asks for records. The header is
 * checked first; any inconsistency inside the records is a
 * CorruptRecordError naming the record and the field.
 */
export function* decodeRecords(batch: RecordBatchView, options: DecodeRecordsOptions = {}): Generator<LogRecord, void, undefined> {
  if (options.verifyCrc === false) batch.validateStructure();
  else batch.validate();

  const count = batch.recordCount;
  const baseOffset = batch.baseOffset;
  const baseTimestamp = batch.baseTimestamp;
  // With LogAppendTime every record's timestamp is the batch's maxTimestamp.
  const logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : undefined;
  const compression = batch.compression;
  let bytes = batch.recordsBytes;
  if (compression !== CompressionType.None) {
    bytes = codecFor(compression).decompress(bytes, options.maxDecompressedBytes);
    if (count > bytes.length / MIN_RECORD_SIZE) {
      throw new CorruptRecordError(`recordCount ${count} cannot fit in ${bytes.length} bytes of decompressed records`);
    }
  }

  const end = bytes.length;
  const cursor: RecordCursor = { buffer: bytes, position: 0, end };
  let index = 0;
  try {
    for (; index < count; index++) {
      cursor.end = end;
      if (cursor.position === end) throw new CorruptRecordError(`recordCount is ${count} but the records end after ${index}`);
      const length = readVarint(cursor, 'length');
      if (length < MIN_RECORD_BODY) throw new CorruptRecordError(`length ${length} is below the ${MIN_RECORD_BODY}-byte minimum`);
      if (length > end - cursor.position) throw new CorruptRecordError(`length ${length} runs past the end of the batch`);
      const recordEnd = cursor.position + length;
      cursor.end = recordEnd;
      cursor.position++; // attributes: none are defined for records
      const timestampDelta = readVarlong(cursor, 'timestampDelta');
      const offsetDelta = readVarint(cursor, 'offsetDelta');
      const key = readBytes(cursor, 'key', 'key length');
      const value = readBytes(cursor, 'value', 'value length');
      const headerCount = readVarint(cursor, 'header count');
      let headers = NO_HEADERS;
      if (headerCount !== 0) {
        // Each header takes at least two bytes (key and value lengths).
        if (headerCount < 0 || headerCount > (recordEnd - cursor.position) / 2) {
          throw new CorruptRecordError(`header count ${headerCount} cannot fit in the record`);
        }
        const list: RecordHeader[] = new Array(headerCount);
        for (let h = 0; h < headerCount; h++) {
          const headerKey = readBytes(cursor, 'header key', 'header key length');
          if (headerKey === null) throw new CorruptRecordError(`header ${h} has a null key`);
          list[h] = { key: headerKey.toString('utf8'), value: readBytes(cursor, 'header value', 'header value length') };
        }
        headers = list;
      }
      if (cursor.position !== recordEnd) {
        throw new CorruptRecordError(`length ${length} leaves ${recordEnd - cursor.position} bytes unread`);
      }
      yield {
        offset: baseOffset + offsetDelta,
        timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
        key,
        value,
        headers,
      };
    }
  } catch (error) {
    if (error instanceof CorruptRecordError) {
      throw new CorruptRecordError(`record ${index} of the batch at offset ${baseOffset}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (cursor.position !== end) {
    throw new CorruptRecordError(`${end - cursor.position} bytes of records follow the last of recordCount ${count} records`);
  }
}

/** Decodes all of a batch's records into an array. */
export function readAllRecords(batch: RecordBatchView, options?: DecodeRecordsOptions): LogRecord[] {
  return Array.from(decodeRecords(batch, options));
}

/** A varint length and that many bytes as a slice; length -1 is null. */
function readBytes(cursor: RecordCursor, field: string, lengthField: string): Buffer | null {
  const length = readVarint(cursor, lengthField);
  if (length === -1) return null;
  if (length < -1) throw new CorruptRecordError(`${field} length ${length} is negative`);
  if (length > cursor.end - cursor.position) throw new CorruptRecordError(`${field} length ${length} runs past the end of the record`);
  const start = cursor.position;
  cursor.position = start + length;
  return cursor.buffer.subarray(start, start + length);
}
