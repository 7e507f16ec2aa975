import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import type { LogRecord } from './record.js';
import { buildRecordBatch } from './record-batch-builder.js';
import { NO_SEQUENCE } from './record-batch-layout.js';

/**
 * Control records live in control batches and are never handed to consumers.
 * Key: version int16, type int16. Transaction markers (ABORT, COMMIT) carry
 * a value: version int16, coordinatorEpoch int32. KRaft defines further
 * types (2 and up); they are read as numbers and have no marker value here.
 */
export enum ControlRecordType {
  Abort = 0,
  Commit = 1,
}

export const CONTROL_RECORD_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;
const CURRENT_CONTROL_RECORD_KEY_VERSION = 0;
const CURRENT_END_TXN_MARKER_VERSION = 0;

/** A transaction's end in one partition: what the coordinator's WriteTxnMarkers asks a leader to append. */
export interface EndTransactionMarker {
  readonly type: ControlRecordType;
  readonly coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_SIZE);
  key.writeInt16BE(CURRENT_CONTROL_RECORD_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeEndTransactionMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(CURRENT_END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/**
 * The type in a control record's key. Like Kafka, a newer key version is read
 * with the fields this version knows; a negative version or short key is corrupt.
 */
export function readControlRecordType(key: Buffer | null): number {
  if (key === null || key.length < CONTROL_RECORD_KEY_SIZE) {
    throw new CorruptRecordError(`control record key has ${key === null ? 'no' : key.length} bytes, needs ${CONTROL_RECORD_KEY_SIZE}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`control record key version ${version} is negative`);
  return key.readInt16BE(2);
}

/** Reads an ABORT or COMMIT marker from a control record. */
export function readEndTransactionMarker(record: Pick<LogRecord, 'key' | 'value'>): EndTransactionMarker {
  const type = readControlRecordType(record.key);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new CorruptRecordError(`control record type ${type} is not a transaction marker`);
  }
  const { value } = record;
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new CorruptRecordError(`end transaction marker value has ${value === null ? 'no' : value.length} bytes, needs ${END_TXN_MARKER_VALUE_SIZE}`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`end transaction marker version ${version} is negative`);
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

/**
 * A control batch holding one ABORT or COMMIT marker, laid out as Kafka's
 * MemoryRecords.withEndTransactionMarker writes it: transactional, control,
 * no sequence.
 */
export function buildEndTransactionMarkerBatch(
  marker: EndTransactionMarker,
  fields: { producerId: number; producerEpoch: number; baseOffset?: number; partitionLeaderEpoch?: number; timestamp?: number },
): Buffer {
  return buildRecordBatch(
    [{ key: encodeControlRecordKey(marker.type), value: encodeEndTransactionMarkerValue(marker.coordinatorEpoch), timestamp: fields.timestamp ?? Date.now() }],
    {
      baseOffset: fields.baseOffset,
      partitionLeaderEpoch: fields.partitionLeaderEpoch,
      producerId: fields.producerId,
      producerEpoch: fields.producerEpoch,
      baseSequence: NO_SEQUENCE,
      isTransactional: true,
      isControl: true,
    },
  );
}
