import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  buildEndTransactionMarkerBatch,
  ControlRecordType,
  encodeControlRecordKey,
  RecordBatchView,
  readAllRecords,
  readControlRecordType,
  readEndTransactionMarker,
} from '../../storage/record/index.js';
import { expectThrown } from '../errors.js';

describe('control records', () => {
  it('builds a transaction marker batch as Kafka writes one', () => {
    const batch = buildEndTransactionMarkerBatch(
      { type: ControlRecordType.Commit, coordinatorEpoch: 7 },
      { producerId: 4000, producerEpoch: 3, baseOffset: 55, partitionLeaderEpoch: 2, timestamp: 1_700_000_000_000 },
    );
    const view = new RecordBatchView(batch);
    view.validate();
    expect([view.isControl, view.isTransactional, view.producerId, view.producerEpoch, view.baseSequence]).toEqual([true, true, 4000, 3, -1]);
    expect([view.baseOffset, view.partitionLeaderEpoch, view.recordCount, view.attributes]).toEqual([55, 2, 1, 0x30]);
    const [record] = readAllRecords(view);
    // Key: version 0, type 1 (COMMIT). Value: version 0, coordinatorEpoch 7.
    expect([...record!.key!]).toEqual([0, 0, 0, 1]);
    expect([...record!.value!]).toEqual([0, 0, 0, 0, 0, 7]);
    expect(readEndTransactionMarker(record!)).toEqual({ type: ControlRecordType.Commit, coordinatorEpoch: 7 });
  });

  it('reads an ABORT marker and a KRaft control type', () => {
    const abort = buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 2 ** 31 - 1 }, { producerId: 1, producerEpoch: 0 });
    const [record] = readAllRecords(new RecordBatchView(abort));
    expect([...record!.key!]).toEqual([0, 0, 0, 0]);
    expect(readEndTransactionMarker(record!)).toEqual({ type: ControlRecordType.Abort, coordinatorEpoch: 2 ** 31 - 1 });
    // LEADER_CHANGE (2) is a valid control type, just not a transaction marker.
    expect(readControlRecordType(encodeControlRecordKey(2))).toBe(2);
    expectThrown(
      () => readEndTransactionMarker({ key: encodeControlRecordKey(2), value: Buffer.alloc(6) }),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /type 2 is not a transaction marker/,
    );
  });

  it('reports malformed keys and values as corrupt, naming the part', () => {
    const value = Buffer.from([0, 0, 0, 0, 0, 1]);
    expect(() => readControlRecordType(null)).toThrow(CorruptRecordError);
    expectThrown(() => readControlRecordType(Buffer.from([0, 0, 1])), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /key has 3 bytes, needs 4/);
    expectThrown(
      () => readControlRecordType(Buffer.from([0xff, 0xff, 0, 1])),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /key version -1 is negative/,
    );
    expectThrown(
      () => readEndTransactionMarker({ key: encodeControlRecordKey(1), value: null }),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /value has no bytes, needs 6/,
    );
    expectThrown(
      () => readEndTransactionMarker({ key: encodeControlRecordKey(1), value: value.subarray(0, 5) }),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /value has 5 bytes/,
    );
    expectThrown(
      () => readEndTransactionMarker({ key: encodeControlRecordKey(1), value: Buffer.from([0x80, 0, 0, 0, 0, 1]) }),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /marker version -32768/,
    );
    // A newer key version is read with the fields this version knows, as Kafka does.
    expect(readControlRecordType(Buffer.from([0, 1, 0, 1, 9, 9]))).toBe(1);
  });
});
