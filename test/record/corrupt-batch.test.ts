import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch, RecordBatchView, readAllRecords, writeVarint } from '../../storage/record/index.js';
import { expectThrown } from '../errors.js';

const T0 = 1_700_000_000_000;

/** A batch around hand-made record bytes, with a correct CRC, so checks past the CRC are reached. */
function wrap(records: Buffer, count: number, compression = CompressionType.None): Buffer {
  const batch = Buffer.alloc(61 + records.length);
  batch.writeInt32BE(49 + records.length, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(compression, 21);
  batch.writeInt32BE(Math.max(count - 1, 0), 23);
  batch.writeInt32BE(count, 57);
  records.copy(batch, 61);
  new RecordBatchView(batch).updateCrc();
  return batch;
}

/** Record bytes from varints (numbers) and raw bytes (Buffers), with the length prefix computed. */
function record(...fields: Array<number | Buffer>): Buffer {
  const body = Buffer.alloc(1000);
  let p = 0;
  for (const f of fields) {
    if (typeof f === 'number') p = writeVarint(body, p, f);
    else p += f.copy(body, p);
  }
  const prefix = Buffer.alloc(5);
  return Buffer.concat([prefix.subarray(0, writeVarint(prefix, 0, p)), body.subarray(0, p)]);
}

const ATTRS = Buffer.from([0]);
/** A well-formed record: attributes, timestampDelta 0, offsetDelta 0, key null, value 'v', no headers. */
const GOOD = record(ATTRS, 0, 0, -1, 1, Buffer.from('v'), 0);

function decodeError(batch: Buffer): string {
  try {
    readAllRecords(new RecordBatchView(batch));
  } catch (error) {
    expect(error).toBeInstanceOf(CorruptRecordError);
    return (error as Error).message;
  }
  throw new Error('decoding succeeded');
}

describe('corrupt batch headers', () => {
  const valid = buildRecordBatch([
    { key: 'k', value: 'value', timestamp: T0 },
    { value: 'second', timestamp: T0 },
  ]);
  const tampered = (edit: (b: Buffer) => void, fixCrc = false) => {
    const b = Buffer.from(valid);
    edit(b);
    if (fixCrc) new RecordBatchView(b).updateCrc();
    return b;
  };

  it('names each wrong field', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [valid.subarray(0, 60), /record batch header needs 61 bytes, only 60 present/],
      [tampered((b) => b.writeInt8(1, 16)), /magic 1 is not supported/],
      [tampered((b) => b.writeInt32BE(valid.length, 8)), /batchLength \d+ runs past the \d+ bytes present/],
      [tampered((b) => b.writeInt32BE(20, 8)), /batchLength 20 is smaller than the 49-byte minimum/],
      [tampered((b) => b.writeInt16BE(6, 21)), /unknown compression type 6/],
      [tampered((b) => b.writeInt32BE(-1, 57)), /recordCount -1 is negative/],
      [tampered((b) => b.writeInt32BE(3, 57)), /lastOffsetDelta 1 cannot hold recordCount 3/],
      [tampered((b) => b.writeInt32BE(-2, 23)), /lastOffsetDelta -2/],
      [
        tampered((b) => {
          b.writeInt32BE(1000, 57);
          b.writeInt32BE(999, 23);
        }),
        /recordCount 1000 cannot fit in \d+ bytes of records/,
      ],
      [tampered((b) => (b[b.length - 1]! ^= 0x80)), /crc 0x[0-9a-f]{8} does not match the computed/],
      [tampered((b) => b.writeUInt32BE(0, 17)), /crc 0x00000000 does not match/],
    ];
    for (const [batch, message] of cases) {
      const view = new RecordBatchView(batch);
      expect(() => view.validate(), String(message)).toThrow(CorruptRecordError);
      expect(() => view.validate()).toThrow(message);
      expect(() => readAllRecords(view)).toThrow(message); // decoding validates first
    }
  });

  it('trusts a bad CRC only when told to skip it, and still checks structure', () => {
    const badCrc = tampered((b) => b.writeUInt32BE(1, 17));
    expect(readAllRecords(new RecordBatchView(badCrc), { verifyCrc: false }).map((r) => r.value!.toString())).toEqual(['value', 'second']);
    const badMagic = tampered((b) => b.writeInt8(0, 16));
    expectThrown(
      () => readAllRecords(new RecordBatchView(badMagic), { verifyCrc: false }),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /magic 0/,
    );
  });

  it('catches a record count that disagrees with the records', () => {
    expect(
      decodeError(
        tampered((b) => {
          b.writeInt32BE(3, 57);
          b.writeInt32BE(2, 23);
        }, true),
      ),
    ).toMatch(/record 2 .*recordCount is 3 but the records end after 2/);
    expect(decodeError(tampered((b) => b.writeInt32BE(1, 57), true))).toMatch(/bytes of records follow the last of recordCount 1 records/);
  });
});

describe('corrupt records', () => {
  it('names the record and field that is wrong', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [wrap(GOOD, 1), /^$/], // control: decodes
      [wrap(Buffer.from([0x7e, 0, 0, 0, 1, 1, 0, 0]), 1), /record 0 .*: length 63 runs past the end of the batch/],
      [wrap(Buffer.from([0x08, 0, 0, 0, 1, 1, 0, 0]), 1), /record 0 .*: length 4 is below the 6-byte minimum/],
      [wrap(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]), 1), /record 0 .*: length: varint overflows 32 bits/],
      [wrap(Buffer.concat([GOOD, record(ATTRS, Buffer.alloc(10, 0xff), 0, -1, -1, 0)]), 2), /record 1 .*: timestampDelta: varlong overflows 64 bits/],
      [wrap(record(ATTRS, 0, 0, 5, Buffer.from('ab'), -1, 0), 1), /key length 5 runs past the end of the record/],
      [wrap(record(ATTRS, 0, 0, -2, -1, 0), 1), /key length -2 is negative/],
      [wrap(record(ATTRS, 0, 0, -1, 40, 0), 1), /value length 40 runs past the end of the record/],
      [wrap(record(ATTRS, 0, 0, -1, -1, -1), 1), /header count -1 cannot fit in the record/],
      [wrap(record(ATTRS, 0, 0, -1, -1, 9, -1, -1), 1), /header count 9 cannot fit in the record/],
      [wrap(record(ATTRS, 0, 0, -1, -1, 1, -1, -1), 1), /header 0 has a null key/],
      [wrap(record(ATTRS, 0, 0, -1, -1, 1, 1, Buffer.from('h'), 3), 1), /header value length 3 runs past the end of the record/],
      [wrap(record(ATTRS, 0, 0, -1, -1, 0, Buffer.from('xy')), 1), /length 8 leaves 2 bytes unread/],
      [wrap(Buffer.from([12, 0, 0, 0, 0x80, 0x80, 0x80]), 1), /record 0 of the batch at offset 0: key length: varint runs past the end of the record/],
      [wrap(Buffer.concat([GOOD, GOOD]), 1), /8 bytes of records follow the last of recordCount 1 records/],
    ];
    for (const [batch, message] of cases) {
      if (message.source === '^$') {
        expect(readAllRecords(new RecordBatchView(batch))).toHaveLength(1);
        continue;
      }
      expect(decodeError(batch), String(message)).toMatch(message);
    }
  });

  it('reports corrupt compressed records through the codec, as CorruptRecordError', () => {
    expect(decodeError(wrap(Buffer.from('definitely not gzip'), 1, CompressionType.Gzip))).toMatch(/gzip/);
    for (const compression of [CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      decodeError(wrap(Buffer.from('garbage garbage garbage'), 1, compression));
    }
    // Well-compressed, but fewer bytes than the count needs.
    expect(decodeError(wrap(gzipSync(GOOD), 2, CompressionType.Gzip))).toMatch(/recordCount 2 cannot fit in 8 bytes of decompressed records/);
    // And a count that is right decodes.
    expect(readAllRecords(new RecordBatchView(wrap(gzipSync(Buffer.concat([GOOD, GOOD])), 2, CompressionType.Gzip)))).toHaveLength(2);
  });

  it('refuses records that decompress beyond the limit', () => {
    const bomb = wrap(gzipSync(Buffer.alloc(1 << 20)), 1, CompressionType.Gzip);
    expect(() => readAllRecords(new RecordBatchView(bomb), { maxDecompressedBytes: 1 << 16 })).toThrow(CorruptRecordError);
  });
});
