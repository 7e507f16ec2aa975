import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError, codecFor } from '../../codecs/index.js';
import { buildRecordBatch, InvalidRecordError, RecordBatchView, readAllRecords, validateRecords, writeVarint } from '../../storage/record/index.js';
import { rawRecord, wrapRecords } from './bad-batches.js';
import { Random } from './random.js';

const SEED = Number(process.env.SAMSA_FUZZ_SEED ?? 9090);

/** The InvalidRecordError validateRecords throws for `batch`, or undefined when it accepts it. */
function walkError(batch: Buffer): InvalidRecordError | undefined {
  try {
    validateRecords(new RecordBatchView(batch));
    return undefined;
  } catch (error) {
    if (error instanceof InvalidRecordError) return error;
    throw error;
  }
}

describe('validateRecords, the walk of a batch’s records', () => {
  it('accepts what the builder writes, with every codec, keys or not, headers or not', () => {
    for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const batch = buildRecordBatch(
        Array.from({ length: 300 }, (_, i) => ({
          key: i % 3 === 0 ? null : `key-${i}`,
          value: i % 7 === 0 ? null : 'v'.repeat(i),
          headers:
            i % 2
              ? [
                  { key: 'h', value: null },
                  { key: `h${i}`, value: 'x'.repeat(i) },
                ]
              : undefined,
          timestamp: 1_700_000_000_000 + i * 1000,
        })),
        { compression },
      );
      expect(() => validateRecords(new RecordBatchView(batch))).not.toThrow();
    }
  });

  it('accepts varints that are longer than they need to be, as Kafka’s reader does', () => {
    // offsetDelta 1 written in two bytes: 0x82 0x00 (lengths below are zigzagged: 7 is 14).
    const record = Buffer.from([0, 0, 0x82, 0x00, 1, 1, 0]);
    const batch = wrapRecords(Buffer.concat([rawRecord({ offsetDelta: 0 }), Buffer.from([record.length * 2]), record]), { count: 2 });
    expect(walkError(batch)).toBeUndefined();
  });

  it('refuses a timestampDelta beyond what decoders can represent, and a varint beyond 32 bits', () => {
    const huge = wrapRecords(rawRecord({ offsetDelta: 0, timestampDelta: 2 ** 53 - 1 }), { count: 1 });
    expect(walkError(huge)).toBeUndefined();
    // The same record with its timestampDelta's top byte raised past 2^53.
    const tooBig = Buffer.from(huge);
    const at = 61 + 1 + 1 + 7; // length, attributes, then the eighth byte of the varlong
    tooBig[at] = 0xff;
    tooBig[at + 1] = 0x01;
    new RecordBatchView(tooBig).updateCrc();
    expect(walkError(tooBig)?.recordErrors.map((r) => r.batchIndex)).toEqual([0]);

    const body = Buffer.alloc(20);
    let p = 1;
    p = writeVarint(body, p, 0);
    body.set([0xff, 0xff, 0xff, 0xff, 0x7f], p); // offsetDelta in five bytes with a fifth one too large
    const overflow = wrapRecords(Buffer.concat([Buffer.from([(p + 5 + 3) * 2]), body.subarray(0, p + 5), Buffer.from([1, 1, 0])]), { count: 1 });
    expect(walkError(overflow)?.message).toMatch(/record 0: offsetDelta: varint overflows 32 bits/);
  });

  it('reports compressed data that does not decompress as CorruptRecordError', () => {
    const batch = wrapRecords(Buffer.from('not zstd at all'), { count: 1, compression: CompressionType.Zstd });
    expect(() => validateRecords(new RecordBatchView(batch))).toThrow(CorruptRecordError);
  });

  it('holds the decompression bomb limit', () => {
    const big = buildRecordBatch([{ value: Buffer.alloc(1 << 20) }], { compression: CompressionType.Gzip });
    expect(() => validateRecords(new RecordBatchView(big), { maxDecompressedBytes: 1 << 16 })).toThrow(/limit/);
  });

  it('accepts a mutated batch exactly when a decoder reads its records at offsets 0, 1, 2, …', () => {
    const random = new Random(SEED);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const compression =
        i % 4 === 0 ? random.pick([CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) : CompressionType.None;
      const records = Array.from({ length: random.int(1, 6) }, () => ({
        key: random.next() < 0.3 ? null : random.bytes(random.int(0, 5)),
        value: random.next() < 0.2 ? null : random.bytes(random.int(0, 140)),
        headers: Array.from({ length: random.int(0, 2) }, () => ({ key: 'k', value: random.next() < 0.5 ? null : random.bytes(random.int(0, 3)) })),
      }));
      const plain = buildRecordBatch(records);
      for (let n = random.int(1, 3); n > 0; n--) plain[random.int(61, plain.length - 1)] = random.int(0, 255);
      const batch =
        compression === CompressionType.None ? plain : wrapRecords(codecFor(compression).compress(plain.subarray(61)), { count: records.length, compression });
      new RecordBatchView(batch).updateCrc();
      const view = new RecordBatchView(batch);
      let decodes: boolean;
      try {
        decodes = readAllRecords(view).every((r, k) => r.offset === k) && view.lastOffsetDelta === view.recordCount - 1;
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error;
        decodes = false;
      }
      const error = walkError(batch);
      expect(
        error === undefined,
        `seed ${SEED}, batch ${i} (${batch.toString('hex')}): walk says ${error?.message ?? 'valid'}, decoding ${decodes ? 'succeeds' : 'fails'}`,
      ).toBe(decodes);
      if (decodes) accepted++;
      else refused++;
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
