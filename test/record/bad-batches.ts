import { gzipSync } from 'node:zlib';
import { CompressionType } from '../../codecs/codec.js';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../storage/record/control-record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { writeVarint, writeVarlong } from '../../storage/record/varint.js';

/**
 * Batches a producer must not be able to append, each with a CRC that
 * matches its bytes (so only a look past the header finds the fault), the
 * Kafka error code the broker answers with and the records it blames
 * (ProduceResponse's record_errors), if any. Shared by the log's tests and
 * the broker's.
 */
export interface BadBatch {
  readonly name: string;
  readonly bytes: Buffer;
  /** INVALID_RECORD 87, CORRUPT_MESSAGE 2, INVALID_TXN_STATE 48. */
  readonly errorCode: number;
  /** Indexes (in the batch) of the records named in record_errors. */
  readonly recordErrors: readonly number[];
}

const INVALID_RECORD = 87;
const CORRUPT_MESSAGE = 2;
const INVALID_TXN_STATE = 48;

interface RawRecord {
  offsetDelta: number;
  timestampDelta?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  /** Bytes appended inside the record, after its headers (the length covers them). */
  trailing?: Buffer;
  /** Overrides the key length varint (the key bytes are still written). */
  keyLength?: number;
}

/** One record's bytes, length prefix included, written field by field so any field can be wrong. */
export function rawRecord(r: RawRecord): Buffer {
  const body = Buffer.alloc(64 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.trailing?.length ?? 0));
  let p = 1; // attributes 0
  p = writeVarlong(body, p, r.timestampDelta ?? 0);
  p = writeVarint(body, p, r.offsetDelta);
  const key = r.key === undefined ? Buffer.from(`k${r.offsetDelta}`) : r.key;
  p = writeVarint(body, p, r.keyLength ?? (key === null ? -1 : key.length));
  if (key) p += key.copy(body, p);
  const value = r.value === undefined ? Buffer.from(`v${r.offsetDelta}`) : r.value;
  p = writeVarint(body, p, value === null ? -1 : value.length);
  if (value) p += value.copy(body, p);
  p = writeVarint(body, p, 0); // no headers
  if (r.trailing) p += r.trailing.copy(body, p);
  const prefix = Buffer.alloc(5);
  return Buffer.concat([prefix.subarray(0, writeVarint(prefix, 0, p)), body.subarray(0, p)]);
}

/** A v2 batch around records' bytes, header fields as given, CRC computed last. */
export function wrapRecords(records: Buffer, fields: { count: number; lastOffsetDelta?: number; compression?: CompressionType; timestamp?: number }): Buffer {
  const batch = Buffer.alloc(61 + records.length);
  const timestamp = fields.timestamp ?? Date.now();
  batch.writeInt32BE(49 + records.length, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(fields.compression ?? CompressionType.None, 21);
  batch.writeInt32BE(fields.lastOffsetDelta ?? Math.max(fields.count - 1, 0), 23);
  batch.writeBigInt64BE(BigInt(timestamp), 27);
  batch.writeBigInt64BE(BigInt(timestamp), 35);
  batch.writeBigInt64BE(-1n, 43); // no producer id
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(fields.count, 57);
  records.copy(batch, 61);
  new RecordBatchView(batch).updateCrc();
  return batch;
}

/** Three well-formed records' bytes (offset deltas 0, 1, 2). */
export function threeRecords(): Buffer {
  return Buffer.concat([0, 1, 2].map((offsetDelta) => rawRecord({ offsetDelta })));
}

/** A good batch of `count` keyed records, as a producer sends it. */
export function goodBatch(label: string, count = 1, compression = CompressionType.None): Buffer {
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({ key: `${label}-key${i}`, value: `${label}-${i}` })),
    { compression },
  );
}

export function badBatches(): BadBatch[] {
  const garbage = Buffer.alloc(40, 0xab); // 0xab bytes: a length varint that overflows 32 bits
  return [
    { name: 'garbage records under a valid CRC', bytes: wrapRecords(garbage, { count: 3 }), errorCode: INVALID_RECORD, recordErrors: [0] },
    { name: 'recordCount below the records', bytes: wrapRecords(threeRecords(), { count: 2 }), errorCode: INVALID_RECORD, recordErrors: [] },
    { name: 'recordCount above the records', bytes: wrapRecords(threeRecords(), { count: 4 }), errorCode: INVALID_RECORD, recordErrors: [] },
    // Accepted, this moved the log end 2^31 offsets past the last record.
    {
      name: 'lastOffsetDelta beyond the records',
      bytes: wrapRecords(threeRecords(), { count: 3, lastOffsetDelta: 2 ** 31 - 1 }),
      errorCode: INVALID_RECORD,
      recordErrors: [],
    },
    { name: 'an empty batch', bytes: buildRecordBatch([]), errorCode: INVALID_RECORD, recordErrors: [] },
    {
      name: 'offset deltas out of order',
      bytes: wrapRecords(Buffer.concat([rawRecord({ offsetDelta: 0 }), rawRecord({ offsetDelta: 2 }), rawRecord({ offsetDelta: 1 })]), { count: 3 }),
      errorCode: INVALID_RECORD,
      recordErrors: [1],
    },
    {
      name: 'a record whose key runs past its end',
      bytes: wrapRecords(Buffer.concat([rawRecord({ offsetDelta: 0 }), rawRecord({ offsetDelta: 1, keyLength: 90 }), rawRecord({ offsetDelta: 2 })]), {
        count: 3,
      }),
      errorCode: INVALID_RECORD,
      recordErrors: [1],
    },
    {
      name: 'a record with bytes left after its headers',
      bytes: wrapRecords(
        Buffer.concat([rawRecord({ offsetDelta: 0 }), rawRecord({ offsetDelta: 1 }), rawRecord({ offsetDelta: 2, trailing: Buffer.from([1, 2]) })]),
        { count: 3 },
      ),
      errorCode: INVALID_RECORD,
      recordErrors: [2],
    },
    {
      name: 'a control batch from a producer',
      bytes: buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 1000, producerEpoch: 0 }),
      errorCode: INVALID_RECORD,
      recordErrors: [],
    },
    {
      name: 'an idempotent batch without a sequence',
      bytes: buildRecordBatch([{ key: 'k', value: 'v' }], { producerId: 1001, producerEpoch: 0, baseSequence: -1 }),
      errorCode: INVALID_RECORD,
      recordErrors: [],
    },
    { name: 'two batches for one partition', bytes: Buffer.concat([goodBatch('twin'), goodBatch('twin')]), errorCode: INVALID_RECORD, recordErrors: [] },
    {
      name: 'gzip records that decompress to garbage',
      bytes: wrapRecords(gzipSync(garbage), { count: 3, compression: CompressionType.Gzip }),
      errorCode: INVALID_RECORD,
      recordErrors: [0],
    },
    {
      name: 'gzip records with one record too few',
      bytes: wrapRecords(gzipSync(threeRecords()), { count: 4, compression: CompressionType.Gzip }),
      errorCode: INVALID_RECORD,
      recordErrors: [],
    },
    {
      name: 'gzip records that do not decompress',
      bytes: wrapRecords(garbage, { count: 3, compression: CompressionType.Gzip }),
      errorCode: CORRUPT_MESSAGE,
      recordErrors: [],
    },
    {
      name: 'a transactional batch outside a transaction',
      bytes: buildRecordBatch([{ key: 'k', value: 'v' }], { producerId: 1002, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
      errorCode: INVALID_TXN_STATE,
      recordErrors: [],
    },
  ];
}
