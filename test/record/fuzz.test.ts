import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { buildRecordBatch, RecordBatchView, readAllRecords, scanBatches, validateBatches } from '../../storage/record/index.js';
import { Random, seededRandom } from './random.js';

/**
 * Whatever bytes arrive, scanning, validating and decoding either succeed or
 * throw CorruptRecordError: never a RangeError from a Buffer read, a
 * TypeError, a hang or an out-of-memory. Returns what happened, for counting.
 */
function exercise(bytes: Buffer): 'ok' | 'corrupt' {
  let outcome: 'ok' | 'corrupt' = 'ok';
  const attempt = (step: () => void) => {
    try {
      step();
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) {
        throw new Error(`non-CorruptRecordError for ${bytes.toString('hex').slice(0, 400)}: ${(error as Error).stack}`);
      }
      outcome = 'corrupt';
    }
  };
  attempt(() => validateBatches(bytes));
  attempt(() => {
    for (const view of scanBatches(bytes).batches) readAllRecords(view, { maxDecompressedBytes: 1 << 20 });
  });
  // Past the CRC, so the record decoder sees the damage too.
  attempt(() => {
    const view = new RecordBatchView(bytes);
    readAllRecords(view, { verifyCrc: false, maxDecompressedBytes: 1 << 20 });
  });
  return outcome;
}

function seedBatches(): Buffer[] {
  const r = new Random(2024);
  const seeds: Buffer[] = [];
  for (const compression of [
    CompressionType.None,
    CompressionType.None,
    CompressionType.Gzip,
    CompressionType.Snappy,
    CompressionType.Lz4,
    CompressionType.Zstd,
  ]) {
    for (let i = 0; i < 3; i++) {
      const records = Array.from({ length: r.int(1, 12) }, () => ({
        key: r.next() < 0.3 ? null : r.text(r.int(0, 20)),
        value: r.next() < 0.2 ? null : r.text(r.int(0, 400)),
        timestamp: 1_700_000_000_000 + r.int(-1e6, 1e6),
        headers: Array.from({ length: r.int(0, 2) }, () => ({ key: 'h', value: r.next() < 0.5 ? null : r.bytes(r.int(0, 10)) })),
      }));
      seeds.push(buildRecordBatch(records, { compression, baseOffset: r.int(0, 1e6), producerId: r.int(-1, 1e6) }));
    }
  }
  seeds.push(buildRecordBatch([]));
  return seeds;
}

/** Rewrites the CRC so a mutation reaches the checks behind it. */
function fixCrc(b: Buffer): void {
  if (b.length >= 21) new RecordBatchView(b).updateCrc();
}

type Mutation = (b: Buffer, r: Random, seeds: Buffer[]) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  bitFlips(b, r) {
    const out = Buffer.from(b);
    for (let n = r.int(1, 8); n > 0; n--) out[r.int(0, out.length - 1)]! ^= 1 << r.int(0, 7);
    return out;
  },
  randomBytes(b, r) {
    const out = Buffer.from(b);
    const at = r.int(0, out.length - 1);
    r.bytes(r.int(1, 16)).copy(out, at);
    return out;
  },
  truncate(b, r) {
    return Buffer.from(b.subarray(0, r.int(0, b.length - 1)));
  },
  extend(b, r) {
    return Buffer.concat([b, r.bytes(r.int(1, 100))]);
  },
  splice(b, r, seeds) {
    const other = r.pick(seeds);
    return Buffer.concat([b.subarray(0, r.int(0, b.length)), other.subarray(r.int(0, other.length))]);
  },
  batchLength(b, r) {
    const out = Buffer.from(b);
    const choices = [r.int(-10, 10) + out.readInt32BE(8), r.int(0, 2 ** 31 - 1), -r.int(1, 2 ** 31), r.int(0, 100)];
    out.writeInt32BE(r.pick(choices), 8);
    return out;
  },
  recordCount(b, r) {
    const out = Buffer.from(b);
    const count = out.readInt32BE(57);
    out.writeInt32BE(r.pick([count + 1, count - 1, 0, r.int(-(2 ** 31), 2 ** 31 - 1), 2 ** 31 - 1]), 57);
    if (r.next() < 0.5) out.writeInt32BE(Math.max(out.readInt32BE(57) - 1, 0), 23);
    return out;
  },
  recordBytes(b, r) {
    // Damage inside the records section, where varints live.
    const out = Buffer.from(b);
    if (out.length <= 61) return out;
    for (let n = r.int(1, 4); n > 0; n--) out[r.int(61, out.length - 1)] = r.pick([0x00, 0x01, 0x7f, 0x80, 0xff, r.int(0, 255)]);
    return out;
  },
  attributes(b, r) {
    const out = Buffer.from(b);
    out.writeInt16BE(r.int(-32768, 32767), 21);
    return out;
  },
};

describe('fuzzing the record batch format', () => {
  const seeds = seedBatches();

  it('throws nothing but CorruptRecordError on mutated valid batches', () => {
    const r = seededRandom(77);
    const names = Object.keys(MUTATIONS);
    const outcomes = { ok: 0, corrupt: 0 };
    for (let i = 0; i < 20_000; i++) {
      const seed = r.pick(seeds);
      const mutated = MUTATIONS[names[i % names.length]!]!(seed, r, seeds);
      // Half keep the damage visible to the CRC; half repair the CRC to get deeper.
      if (i % 2 === 1) fixCrc(mutated);
      outcomes[exercise(mutated)]++;
    }
    // Most mutations must be caught; the rest are harmless ones (baseOffset, epoch, extra trailing bytes).
    expect(outcomes.corrupt).toBeGreaterThan(15_000);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('throws nothing but CorruptRecordError on random bytes', () => {
    const r = seededRandom(78);
    for (let i = 0; i < 5000; i++) {
      const bytes = r.bytes(r.int(0, 400));
      if (i % 2 === 0 && bytes.length >= 61) {
        // A plausible header, so the random part is read as records.
        bytes.writeInt32BE(bytes.length - 12, 8);
        bytes[16] = 2;
        bytes.writeInt16BE(r.int(0, 4), 21);
        bytes.writeInt32BE(r.int(0, 30), 57);
        bytes.writeInt32BE(100, 23);
        fixCrc(bytes);
      }
      exercise(bytes);
    }
  });

  it('detects every single bit flip the CRC or header covers', () => {
    const r = seededRandom(79);
    for (let i = 0; i < 2000; i++) {
      const seed = r.pick(seeds);
      const out = Buffer.from(seed);
      const at = r.int(8, out.length - 1);
      if (at >= 12 && at < 16) continue; // partitionLeaderEpoch: outside the CRC by design
      out[at]! ^= 1 << r.int(0, 7);
      expect(() => new RecordBatchView(out).validate(), `flip at byte ${at}`).toThrow(CorruptRecordError);
    }
  });
});
