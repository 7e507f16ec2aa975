import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch, scanBatches, sizeOfBatchAt, validateBatches } from '../../storage/record/index.js';
import { expectThrown } from '../errors.js';
import { Random } from './random.js';

const r = new Random(9);
const parts = [
  buildRecordBatch([{ value: r.bytes(100), timestamp: 1 }], { baseOffset: 0 }),
  buildRecordBatch([], { baseOffset: 1 }), // the smallest batch, 61 bytes
  buildRecordBatch(
    Array.from({ length: 20 }, () => ({ key: r.text(8), value: r.text(500), timestamp: 2 })),
    { baseOffset: 2, compression: CompressionType.Lz4 },
  ),
];
const all = Buffer.concat(parts);
const starts = [0, parts[0]!.length, parts[0]!.length + parts[1]!.length];

describe('scanning concatenated batches', () => {
  it('finds each batch as a view over the same memory', () => {
    const scan = scanBatches(all);
    expect(scan.batches.map((v) => v.start)).toEqual(starts);
    expect(scan.batches.map((v) => v.baseOffset)).toEqual([0, 1, 2]);
    expect([scan.end, scan.partialBytes]).toEqual([all.length, 0]);
    for (const [i, view] of scan.batches.entries()) {
      view.validate();
      expect(view.bytes.equals(parts[i]!)).toBe(true);
      expect(view.bytes.buffer).toBe(all.buffer); // a slice, not a copy
    }
  });

  it('reports a partial trailing batch at every possible cut', () => {
    const ends = [starts[1]!, starts[2]!, all.length];
    for (let cut = 0; cut <= all.length; cut++) {
      const whole = ends.filter((e) => e <= cut);
      const end = whole.at(-1) ?? 0;
      for (const scan of [scanBatches(all.subarray(0, cut)), scanBatches(all, 0, cut)]) {
        expect(scan.batches.length, `cut ${cut}`).toBe(whole.length);
        expect(scan.end).toBe(end);
        expect(scan.partialBytes).toBe(cut - end);
      }
      if (cut < all.length && cut !== starts[1] && cut !== starts[2] && cut !== 0) {
        expect(() => validateBatches(all.subarray(0, cut))).toThrow(new RegExp(`${cut - end} bytes at byte ${end} do not form a whole record batch`));
      }
    }
  });

  it('walks from any start without allocating views', () => {
    const sizes: number[] = [];
    for (let p = starts[1]!, size: number; (size = sizeOfBatchAt(all, p)) > 0; p += size) sizes.push(size);
    expect(sizes).toEqual([parts[1]!.length, parts[2]!.length]);
    expect(sizeOfBatchAt(all, 0, 11)).toBe(-1); // not even a batchLength
  });

  it('rejects a batchLength too small to hold a header, naming it', () => {
    const bad = Buffer.from(all);
    bad.writeInt32BE(48, starts[1]! + 8);
    expect(() => scanBatches(bad)).toThrow(CorruptRecordError);
    expectThrown(
      () => scanBatches(bad),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /batchLength 48 at byte \d+ is smaller than the 49-byte minimum/,
    );
    bad.writeInt32BE(-5, starts[1]! + 8);
    expectThrown(() => sizeOfBatchAt(bad, starts[1]!), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /batchLength -5/);
  });

  it('validates every batch of a produce request', () => {
    expect(validateBatches(all).map((v) => v.lastOffset)).toEqual([0, 1, 21]);
    const bad = Buffer.from(all);
    bad[starts[2]! + 70]! ^= 0x10;
    expectThrown(() => validateBatches(bad), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /crc .* does not match/);
  });
});
