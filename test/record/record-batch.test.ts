import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  buildRecordBatch,
  crc32c,
  decodeRecords,
  decrementSequence,
  incrementSequence,
  type LogRecord,
  NO_SEQUENCE,
  type RecordBatchOptions,
  RecordBatchView,
  type RecordInput,
  readAllRecords,
  TimestampType,
} from '../../storage/record/index.js';
import { expectThrown } from '../errors.js';
import { type Random, seededRandom } from './random.js';

const kafkaJsCrc32c: (b: Buffer) => number = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/index.js');

const T0 = 1_700_000_000_000;

/** Bytes as a short, comparable digest: failures then print small diffs instead of 70 KB arrays. */
function digest(b: Uint8Array | string | null | undefined): string | null {
  if (b === null || b === undefined) return null;
  const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return `${bytes.length}:${createHash('sha1').update(bytes).digest('hex')}`;
}

/** A decoded record in the same digest form as expectedRecords(). */
function digestRecord(r: LogRecord) {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: digest(r.key),
    value: digest(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: digest(h.value) })),
  };
}

/** What a reader should see for `inputs`, derived from the inputs alone. */
function expectedRecords(inputs: readonly RecordInput[], baseOffset: number, logAppendTime?: number) {
  let offsetDelta = -1;
  return inputs.map((r) => {
    offsetDelta = r.offsetDelta ?? offsetDelta + 1;
    return {
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ?? r.timestamp,
      key: digest(r.key),
      value: digest(r.value),
      headers: (r.headers ?? []).map((h) => ({ key: h.key, value: digest(h.value) })),
    };
  });
}

const COMPRESSIONS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

/** Records covering each field's shapes: null/empty/string/bytes keys and values, headers, timestamp order, offset gaps. */
function variedRecords(r: Random): RecordInput[] {
  return [
    { key: null, value: null, timestamp: T0 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0 + 1 },
    { key: 'k€y', value: 'välue', timestamp: T0 - 5000, headers: [] },
    { value: r.text(300), timestamp: T0 + 2 ** 33, headers: [{ key: 'trace', value: 'abc' }] },
    {
      key: r.bytes(20),
      value: new Uint8Array(r.bytes(10)),
      timestamp: T0,
      headers: [
        { key: 'dup', value: Buffer.from([1]) },
        { key: 'dup', value: null },
        { key: '', value: Buffer.alloc(0) },
        { key: 'ünïcode', value: r.bytes(200) },
      ],
    },
    { key: 'gap', value: r.text(70_000), timestamp: T0 + 3, offsetDelta: 9 },
    { key: 'last', value: 'x', timestamp: T0 + 3, offsetDelta: 10 },
  ];
}

describe('record batch round trip', () => {
  for (const compression of COMPRESSIONS) {
    it(`keeps every field with compression ${CompressionType[compression]}`, () => {
      const inputs = variedRecords(seededRandom(7 + compression));
      const options: RecordBatchOptions = {
        baseOffset: 2 ** 40 + 3,
        partitionLeaderEpoch: 17,
        compression,
        producerId: 123_456_789_012,
        producerEpoch: 4,
        baseSequence: 1000,
        isTransactional: true,
      };
      const batch = buildRecordBatch(inputs, options);
      const view = new RecordBatchView(batch);
      view.validate();
      expect(view.sizeInBytes).toBe(batch.length);
      expect(view.magic).toBe(2);
      expect(view.compression).toBe(compression);
      expect(view.baseOffset).toBe(2 ** 40 + 3);
      expect(view.partitionLeaderEpoch).toBe(17);
      expect(view.lastOffsetDelta).toBe(10);
      expect(view.lastOffset).toBe(2 ** 40 + 13);
      expect(view.recordCount).toBe(inputs.length);
      expect(view.baseTimestamp).toBe(T0); // the first record's
      expect(view.maxTimestamp).toBe(T0 + 2 ** 33);
      expect(view.producerId).toBe(123_456_789_012);
      expect(view.producerEpoch).toBe(4);
      expect(view.baseSequence).toBe(1000);
      expect(view.lastSequence).toBe(1010);
      expect(view.isTransactional).toBe(true);
      expect(view.isControl).toBe(false);
      expect(view.timestampType).toBe(TimestampType.CreateTime);
      expect(view.hasDeleteHorizonMs).toBe(false);
      // The stored CRC is CRC-32C of attributes..end, per an independent implementation.
      expect(view.crc).toBe(kafkaJsCrc32c(batch.subarray(21)));
      expect(readAllRecords(view).map(digestRecord)).toEqual(expectedRecords(inputs, 2 ** 40 + 3));
      if (compression !== CompressionType.None) {
        const plain = buildRecordBatch(inputs, { ...options, compression: CompressionType.None });
        expect(batch.length).toBeLessThan(plain.length); // really compressed
      }
    });
  }

  it('writes defaults as Kafka does: no producer, no epoch, no sequence', () => {
    const view = new RecordBatchView(buildRecordBatch([{ value: 'v', timestamp: T0 }]));
    view.validate();
    expect([view.baseOffset, view.partitionLeaderEpoch, view.producerId, view.producerEpoch, view.baseSequence]).toEqual([0, -1, -1, -1, -1]);
    expect([view.attributes, view.lastOffsetDelta, view.baseTimestamp, view.maxTimestamp]).toEqual([0, 0, T0, T0]);
  });

  it('encodes an empty batch with NO_TIMESTAMP, as the cleaner leaves one', () => {
    const batch = buildRecordBatch([], { lastOffsetDelta: 4, baseOffset: 10 });
    expect(batch.length).toBe(61);
    const view = new RecordBatchView(batch);
    view.validate();
    expect([view.recordCount, view.lastOffsetDelta, view.nextOffset, view.baseTimestamp, view.maxTimestamp]).toEqual([0, 4, 15, -1, -1]);
    expect(readAllRecords(view)).toEqual([]);
  });

  it('lays out one record byte by byte as the spec says', () => {
    const batch = buildRecordBatch([{ key: 'k', value: 'vv', timestamp: T0 + 1, headers: [{ key: 'h', value: null }] }]);
    // Record: length 12, attributes 0, timestampDelta 0, offsetDelta 0, key len 1 'k', value len 2 'vv', 1 header: len 1 'h', null.
    const expected = [0x18, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x04, 0x76, 0x76, 0x02, 0x02, 0x68, 0x01];
    expect([...batch.subarray(61)]).toEqual(expected);
    expect(batch.readInt32BE(8)).toBe(49 + expected.length);
    expect(batch.readInt32BE(57)).toBe(1);
  });

  it('uses LogAppendTime and the delete horizon when asked', () => {
    const inputs = [
      { value: 'a', timestamp: T0 },
      { value: 'b', timestamp: T0 + 10 },
    ];
    const appended = new RecordBatchView(buildRecordBatch(inputs, { logAppendTime: T0 + 99 }));
    appended.validate();
    expect(appended.timestampType).toBe(TimestampType.LogAppendTime);
    expect(readAllRecords(appended).map((r) => r.timestamp)).toEqual([T0 + 99, T0 + 99]);

    const cleaned = new RecordBatchView(buildRecordBatch(inputs, { deleteHorizonMs: T0 + 86_400_000 }));
    cleaned.validate();
    expect(cleaned.hasDeleteHorizonMs).toBe(true);
    expect(cleaned.deleteHorizonMs).toBe(T0 + 86_400_000);
    expect(readAllRecords(cleaned).map((r) => r.timestamp)).toEqual([T0, T0 + 10]);
  });

  it('rejects misuse by the caller with RangeError, not a corrupt batch', () => {
    expect(() =>
      buildRecordBatch([
        { value: 'a', offsetDelta: 2 },
        { value: 'b', offsetDelta: 2 },
      ]),
    ).toThrow(RangeError);
    expect(() => buildRecordBatch([{ value: 'a', offsetDelta: 3 }], { lastOffsetDelta: 2 })).toThrow(RangeError);
    expect(() => buildRecordBatch([{ value: 'a', timestamp: 0.5 }])).toThrow(RangeError);
    expect(() => buildRecordBatch([{ value: 'a' }], { baseOffset: 2 ** 60 })).toThrow(RangeError);
  });

  it('produces slices of the batch for key and value, not copies', () => {
    const batch = buildRecordBatch([{ key: 'key', value: 'value', timestamp: T0 }]);
    const [record] = readAllRecords(new RecordBatchView(batch));
    expect(record!.value!.buffer).toBe(batch.buffer);
    record!.value![0] = 0x56; // 'V'
    expect(batch.includes('Value')).toBe(true);
  });

  it('decodes lazily: a corrupt second record is only found when reached', () => {
    const batch = buildRecordBatch([
      { value: 'one', timestamp: T0 },
      { value: 'two', timestamp: T0 },
    ]);
    // The second record starts after the first (length byte + 9 body bytes); make its length varint overflow.
    const second = 61 + 1 + batch[61]! / 2;
    batch.fill(0xff, second, second + 5);
    const view = new RecordBatchView(batch);
    view.updateCrc();
    const iterator = decodeRecords(view);
    expect(iterator.next().value).toMatchObject({ offset: 0, value: Buffer.from('one') });
    expectThrown(
      () => iterator.next(),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /record 1 of the batch at offset 0: length: varint overflows 32 bits/,
    );
  });
});

describe('in-place rewrites', () => {
  const inputs = [
    { key: 'a', value: 'first', timestamp: T0 + 5 },
    { key: 'b', value: 'second', timestamp: T0 + 2 },
  ];

  it('sets baseOffset and partitionLeaderEpoch without touching the CRC', () => {
    for (const compression of [CompressionType.None, CompressionType.Lz4]) {
      const batch = buildRecordBatch(inputs, { compression });
      const before = Buffer.from(batch);
      const view = new RecordBatchView(batch);
      view.setBaseOffset(5_000_000_000);
      view.setPartitionLeaderEpoch(42);
      expect(batch.subarray(16)).toEqual(before.subarray(16)); // magic, CRC and everything it covers unchanged
      view.validate();
      expect([view.baseOffset, view.partitionLeaderEpoch]).toEqual([5_000_000_000, 42]);
      expect(readAllRecords(view).map((r) => r.offset)).toEqual([5_000_000_000, 5_000_000_001]);
    }
  });

  it('stamps LogAppendTime and recomputes the CRC, giving the bytes a direct build gives', () => {
    const batch = buildRecordBatch(inputs, { partitionLeaderEpoch: 3 });
    const view = new RecordBatchView(batch);
    const crcBefore = view.crc;
    view.setMaxTimestamp(TimestampType.LogAppendTime, T0 + 1000);
    expect(view.crc).not.toBe(crcBefore);
    expect(view.crc).toBe(kafkaJsCrc32c(batch.subarray(21)));
    view.validate();
    expect(batch).toEqual(buildRecordBatch(inputs, { partitionLeaderEpoch: 3, logAppendTime: T0 + 1000 }));
    expect(readAllRecords(view).map((r) => r.timestamp)).toEqual([T0 + 1000, T0 + 1000]);
  });

  it('leaves the bytes alone when maxTimestamp and type are already right', () => {
    const batch = buildRecordBatch(inputs);
    const before = Buffer.from(batch);
    new RecordBatchView(batch).setMaxTimestamp(TimestampType.CreateTime, T0 + 5);
    expect(batch).toEqual(before);
    // A corrected CreateTime maxTimestamp does change the CRC.
    const view = new RecordBatchView(batch);
    view.setMaxTimestamp(TimestampType.CreateTime, T0 + 7);
    view.validate();
    expect(view.maxTimestamp).toBe(T0 + 7);
    expect(view.crc).not.toBe(before.readUInt32BE(17));
  });

  it('works on a batch in the middle of a larger buffer', () => {
    const a = buildRecordBatch(inputs);
    const b = buildRecordBatch(inputs);
    const both = Buffer.concat([a, b]);
    const view = new RecordBatchView(both, a.length);
    view.setMaxTimestamp(TimestampType.LogAppendTime, T0);
    view.validate();
    expect(both.subarray(0, a.length)).toEqual(a);
    new RecordBatchView(both, 0).validate();
  });
});

describe('crc32c', () => {
  it('gives the standard check value and agrees with an independent implementation on ranges', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const r = seededRandom(3);
    for (let i = 0; i < 50; i++) {
      const bytes = r.bytes(r.int(0, 3000));
      const start = r.int(0, bytes.length);
      const end = r.int(start, bytes.length);
      expect(crc32c(bytes, start, end)).toBe(kafkaJsCrc32c(bytes.subarray(start, end)));
    }
  });

  it('is what validate checks: a flipped bit fails with the CRC named', () => {
    const batch = buildRecordBatch([{ value: 'abc', timestamp: T0 }]);
    batch[batch.length - 1]! ^= 0x01;
    expect(() => new RecordBatchView(batch).validate()).toThrow(CorruptRecordError);
    expectThrown(
      () => new RecordBatchView(batch).validate(),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /crc 0x[0-9a-f]{8} does not match the computed 0x[0-9a-f]{8}/,
    );
    expect(new RecordBatchView(batch).isValidCrc()).toBe(false);
  });
});

describe('producer sequence numbers', () => {
  it("wrap from 2^31-1 to 0 and back, as Kafka's DefaultRecordBatch.incrementSequence/decrementSequence", () => {
    expect(incrementSequence(0x7fffffff, 1)).toBe(0);
    expect(incrementSequence(0x7ffffffe, 5)).toBe(3);
    expect(incrementSequence(41, 9)).toBe(50);
    expect(decrementSequence(0, 1)).toBe(0x7fffffff);
    expect(decrementSequence(3, 5)).toBe(0x7ffffffe);
    expect(decrementSequence(50, 9)).toBe(41);
    const view = (baseSequence: number) =>
      new RecordBatchView(buildRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }], { producerId: 1, producerEpoch: 0, baseSequence }));
    expect(view(0x7ffffffe).lastSequence).toBe(0); // 2147483646, 2147483647, 0
    expect(view(0x7fffffff).lastSequence).toBe(1);
    expect(view(NO_SEQUENCE).lastSequence).toBe(NO_SEQUENCE);
  });
});
