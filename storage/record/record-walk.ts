import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { codecFor } from '../../codecs/registry.js';
import { InvalidRecordError } from './invalid-record-error.js';
import { MIN_RECORD_SIZE, RECORDS } from './record-batch-layout.js';
import type { RecordBatchView } from './record-batch-view.js';
import { readVarlong } from './varint.js';

export interface ValidateRecordsOptions {
  /** Refuse records without a key (a compacted topic's rule); each keyless record is named in the error. */
  readonly requireKeys?: boolean;
  /** Refuse compressed records that expand beyond this; the codec's default (codecs/limits.ts) otherwise. */
  readonly maxDecompressedBytes?: number;
}

/** The fewest bytes after a record's length: attributes, two deltas, key and value lengths, header count. */
const MIN_RECORD_BODY = MIN_RECORD_SIZE - 1;

// A varint longer than one byte is finished by a call that returns the
// position after it and leaves its raw (still zigzagged) value here, so the
// walk keeps its position in a local and allocates nothing. The walk is
// synchronous: no other walk can touch this between the two. (varint.ts's
// readVarint through a reused cursor object made the whole walk 25% slower.)
const tailRaw = new Uint32Array(1);

/**
 * Walks a batch's records without decoding them, as Kafka's LogValidator
 * iterates what a producer sent: each record's length, attributes, timestamp
 * and offset deltas, key and value lengths, header count and header lengths
 * are read and bounded, keys, values and headers are skipped over. Offset
 * deltas must run 0, 1, 2, … in order, there must be exactly recordCount
 * records, lastOffsetDelta must be recordCount − 1, and the last record must
 * end exactly where the records do. A compressed batch is decompressed first
 * (within the decompression bomb limit) and its records walked the same way.
 *
 * The header and CRC are the caller's to check first (RecordBatchView.validate).
 * Throws InvalidRecordError (INVALID_RECORD), naming the record at fault in
 * `recordErrors` when there is one; CorruptRecordError (CORRUPT_MESSAGE) when
 * compressed records do not decompress. Allocates nothing per record.
 */
export function validateRecords(batch: RecordBatchView, options: ValidateRecordsOptions = {}): void {
  const count = batch.recordCount;
  const lastOffsetDelta = batch.lastOffsetDelta;
  if (count > 0 && lastOffsetDelta !== count - 1) {
    throw new InvalidRecordError(
      `lastOffsetDelta ${lastOffsetDelta} does not match recordCount ${count}: the batch would take ${lastOffsetDelta + 1} offsets for ${count} records`,
    );
  }
  if (batch.compression === CompressionType.None) {
    walk(batch.buffer, batch.start + RECORDS, batch.start + batch.sizeInBytes, count, options.requireKeys === true);
  } else {
    const records = codecFor(batch.compression).decompress(batch.recordsBytes, options.maxDecompressedBytes);
    walk(records, 0, records.length, count, options.requireKeys === true);
  }
}

function walk(bytes: Uint8Array, start: number, end: number, count: number, requireKeys: boolean): void {
  // Reads stay inline (a local position, no call) when a varint is one byte,
  // as most fields of most records are; longer ones go through
  // readVarintTail. x is a varint's raw, still zigzagged, value.
  let p = start;
  let x = 0;
  let n = 0;
  let index = 0;
  let keyless: number[] | undefined;
  try {
    for (; index < count; index++) {
      if (p >= end) throw new InvalidRecordError(`recordCount is ${count} but the records end after ${index}`);
      x = bytes[p++]!;
      if (x > 0x7f) {
        p = readVarintTail(bytes, p, end, x, 'length');
        x = tailRaw[0]!;
      }
      const length = (x >>> 1) ^ -(x & 1);
      if (length < MIN_RECORD_BODY || length > end - p)
        throw new CorruptRecordError(`length ${length} does not fit between ${MIN_RECORD_BODY} and the ${end - p} bytes left`);
      const recordEnd = p + length;
      p++; // attributes: none are defined for records
      if (bytes[p]! < 0x80)
        p++; // timestampDelta (at least 5 bytes of the record are left)
      else p = skipVarlong(bytes, p, recordEnd, 'timestampDelta');
      if (p >= recordEnd) throw pastEnd('offsetDelta');
      x = bytes[p++]!;
      if (x > 0x7f) {
        p = readVarintTail(bytes, p, recordEnd, x, 'offsetDelta');
        x = tailRaw[0]!;
      }
      if (((x >>> 1) ^ -(x & 1)) !== index) throw new CorruptRecordError(`offsetDelta ${(x >>> 1) ^ -(x & 1)} where ${index} is due`);
      // Key, then value: a length (-1: null) and that many bytes.
      if (p >= recordEnd) throw pastEnd('key length');
      x = bytes[p++]!;
      if (x > 0x7f) {
        p = readVarintTail(bytes, p, recordEnd, x, 'key length');
        x = tailRaw[0]!;
      }
      n = (x >>> 1) ^ -(x & 1);
      if (n < -1 || n > recordEnd - p) throw badLength('key', n);
      if (n > 0) p += n;
      else if (n === -1 && requireKeys) (keyless ??= []).push(index);
      if (p >= recordEnd) throw pastEnd('value length');
      x = bytes[p++]!;
      if (x > 0x7f) {
        p = readVarintTail(bytes, p, recordEnd, x, 'value length');
        x = tailRaw[0]!;
      }
      n = (x >>> 1) ^ -(x & 1);
      if (n < -1 || n > recordEnd - p) throw badLength('value', n);
      if (n > 0) p += n;
      if (p >= recordEnd) throw pastEnd('header count');
      x = bytes[p++]!;
      if (x > 0x7f) {
        p = readVarintTail(bytes, p, recordEnd, x, 'header count');
        x = tailRaw[0]!;
      }
      const headerCount = (x >>> 1) ^ -(x & 1);
      // Each header takes at least two bytes (key and value lengths); its key is never null.
      if (headerCount < 0 || headerCount > (recordEnd - p) / 2) throw new CorruptRecordError(`header count ${headerCount} cannot fit in the record`);
      for (let h = 0; h < headerCount; h++) {
        if (p >= recordEnd) throw pastEnd('header key length');
        x = bytes[p++]!;
        if (x > 0x7f) {
          p = readVarintTail(bytes, p, recordEnd, x, 'header key length');
          x = tailRaw[0]!;
        }
        n = (x >>> 1) ^ -(x & 1);
        if (n < 0 || n > recordEnd - p) throw badLength('header key', n);
        p += n;
        if (p >= recordEnd) throw pastEnd('header value length');
        x = bytes[p++]!;
        if (x > 0x7f) {
          p = readVarintTail(bytes, p, recordEnd, x, 'header value length');
          x = tailRaw[0]!;
        }
        n = (x >>> 1) ^ -(x & 1);
        if (n < -1 || n > recordEnd - p) throw badLength('header value', n);
        if (n > 0) p += n;
      }
      if (p !== recordEnd) throw new CorruptRecordError(`length ${length} leaves ${recordEnd - p} bytes unread`);
    }
  } catch (error) {
    // The readers report a fault inside one record as CorruptRecordError (as varint.ts does); it is that record's fault.
    if (!(error instanceof CorruptRecordError)) throw error;
    const message = `record ${index}: ${error.message}`;
    throw new InvalidRecordError(message, [{ batchIndex: index, message }]);
  }
  if (p !== end) throw new InvalidRecordError(`${end - p} bytes of records follow the last of recordCount ${count} records`);
  if (keyless) {
    const message = 'a compacted topic cannot accept a record without a key';
    throw new InvalidRecordError(
      `${keyless.length} of ${count} records have no key: ${message}`,
      keyless.map((batchIndex) => ({ batchIndex, message })),
    );
  }
}

function pastEnd(field: string): CorruptRecordError {
  return new CorruptRecordError(`${field}: varint runs past the end of the record`);
}

function badLength(field: string, length: number): CorruptRecordError {
  return new CorruptRecordError(length < 0 ? `${field} length ${length} is negative` : `${field} length ${length} runs past the end of the record`);
}

/**
 * The rest of a varint whose first byte, `first`, had its continuation bit
 * set; `p` is just past that byte. Leaves the raw value in tailRaw and
 * returns the position after the varint.
 */
function readVarintTail(bytes: Uint8Array, p: number, limit: number, first: number, field: string): number {
  let raw = first & 0x7f;
  for (let shift = 7; ; shift += 7) {
    if (p >= limit) throw pastEnd(field);
    const byte = bytes[p++]!;
    if (shift === 28) {
      // The fifth byte holds the top 4 bits; anything more cannot be an int32.
      if (byte > 0x0f) throw new CorruptRecordError(`${field}: varint overflows 32 bits`);
      raw |= byte << 28;
      break;
    }
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  tailRaw[0] = raw;
  return p;
}

/** Steps over the varlong at `p`; one longer than 7 bytes (beyond 2^48) must still be a safe integer, as decoders need. */
function skipVarlong(bytes: Uint8Array, p: number, limit: number, field: string): number {
  const first = p;
  for (;;) {
    if (p >= limit) throw new CorruptRecordError(`${field}: varlong runs past the end of the record`);
    if (bytes[p++]! < 0x80) break;
    if (p - first === 10) throw new CorruptRecordError(`${field}: varlong longer than 10 bytes`);
  }
  if (p - first > 7) readVarlong({ buffer: bytes, position: first, end: limit }, field);
  return p;
}
