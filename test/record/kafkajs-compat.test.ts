import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { buildRecordBatch, RecordBatchView, type RecordInput, readAllRecords } from '../../storage/record/index.js';
import { Random } from './random.js';

// KafkaJS 2.2.4's own v2 encoder and decoder: an independent implementation to compare bytes with.
const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const KafkaJsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const decodeKafkaJsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const KafkaJsDecoder = require('kafkajs/src/protocol/decoder.js');
const Long = require('kafkajs/src/utils/long.js');

interface Case {
  records: Array<{ key: Buffer | null; value: Buffer | null; timestamp: number; headers: Array<{ key: string; value: Buffer }> }>;
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
}

function randomCase(r: Random): Case {
  const t0 = 1_600_000_000_000 + r.int(0, 2 ** 30);
  const count = r.int(1, 40);
  const records = Array.from({ length: count }, (_, i) => ({
    key: r.next() < 0.3 ? null : r.bytes(r.int(0, 40)),
    value: r.next() < 0.1 ? null : r.next() < 0.5 ? r.text(r.int(0, 2000)) : r.bytes(r.int(0, 300)),
    // Timestamps go backwards too, so some deltas are negative.
    timestamp: t0 + r.int(-100_000, 100_000) * (i === 0 ? 0 : 1),
    // KafkaJS keys headers by name (object keys), so names are distinct and never integer-like.
    headers: Array.from({ length: r.int(0, 3) }, (_, h) => ({ key: `h${h}-${r.int(0, 999)}`, value: r.bytes(r.int(0, 20)) })),
  }));
  return {
    records,
    baseOffset: r.int(0, 2 ** 40),
    partitionLeaderEpoch: r.int(0, 1000),
    producerId: r.next() < 0.5 ? -1 : r.int(0, 2 ** 45),
    producerEpoch: r.int(0, 32767),
    baseSequence: r.int(0, 2 ** 31 - 100),
    isTransactional: r.next() < 0.5,
  };
}

async function encodeWithKafkaJs(c: Case, compression: CompressionType): Promise<Buffer> {
  const t0 = c.records[0]!.timestamp;
  const records = c.records.map((rec, i) =>
    KafkaJsRecord({
      offsetDelta: i,
      timestampDelta: rec.timestamp - t0,
      key: rec.key,
      value: rec.value,
      headers: Object.fromEntries(rec.headers.map((h) => [h.key, h.value])),
    }),
  );
  const encoder = await RecordBatch({
    compression,
    firstOffset: Long.fromNumber(c.baseOffset),
    firstTimestamp: t0,
    maxTimestamp: Math.max(...c.records.map((rec) => rec.timestamp)),
    partitionLeaderEpoch: c.partitionLeaderEpoch,
    lastOffsetDelta: c.records.length - 1,
    transactional: c.isTransactional,
    producerId: Long.fromNumber(c.producerId),
    producerEpoch: c.producerEpoch,
    firstSequence: c.baseSequence,
    records,
  });
  return encoder.buffer;
}

function encodeWithSamsa(c: Case, compression: CompressionType): Buffer {
  const inputs: RecordInput[] = c.records;
  return buildRecordBatch(inputs, { ...c, compression });
}

const CASES = Array.from({ length: 60 }, (_, i) => randomCase(new Random(100 + i)));

describe('byte compatibility with KafkaJS 2.2.4', () => {
  for (const compression of [CompressionType.None, CompressionType.Gzip]) {
    it(`encodes the same bytes, ${CompressionType[compression]}`, async () => {
      for (const [i, c] of CASES.entries()) {
        const theirs = await encodeWithKafkaJs(c, compression);
        const ours = encodeWithSamsa(c, compression);
        // Both gzip through zlib at its defaults, so even compressed bytes match.
        expect(ours.equals(theirs), `case ${i}: ${ours.length} vs ${theirs.length} bytes`).toBe(true);
      }
    });

    it(`decodes KafkaJS batches, ${CompressionType[compression]}`, async () => {
      for (const c of CASES.slice(0, 20)) {
        const view = new RecordBatchView(await encodeWithKafkaJs(c, compression));
        view.validate(); // KafkaJS computes the CRC with its own CRC-32C
        const records = readAllRecords(view);
        expect(records.map((r) => r.offset)).toEqual(c.records.map((_, i) => c.baseOffset + i));
        expect(records.map((r) => r.timestamp)).toEqual(c.records.map((rec) => rec.timestamp));
        for (const [i, rec] of records.entries()) {
          expect(sameBytes(rec.key, c.records[i]!.key)).toBe(true);
          expect(sameBytes(rec.value, c.records[i]!.value)).toBe(true);
          expect(rec.headers.map((h) => h.key)).toEqual(c.records[i]!.headers.map((h) => h.key));
          expect(rec.headers.every((h, j) => sameBytes(h.value, c.records[i]!.headers[j]!.value))).toBe(true);
        }
      }
    });

    it(`is decoded by KafkaJS, ${CompressionType[compression]}`, async () => {
      for (const c of CASES.slice(0, 20)) {
        const decoded = await decodeKafkaJsBatch(new KafkaJsDecoder(encodeWithSamsa(c, compression)));
        expect(decoded.firstOffset).toBe(String(c.baseOffset));
        expect(decoded.producerId).toBe(String(c.producerId));
        expect(decoded.inTransaction).toBe(c.isTransactional);
        expect(decoded.records.map((r: { offset: string }) => r.offset)).toEqual(c.records.map((_, i) => String(c.baseOffset + i)));
        expect(decoded.records.map((r: { timestamp: string }) => r.timestamp)).toEqual(c.records.map((rec) => String(rec.timestamp)));
        for (const [i, rec] of decoded.records.entries()) {
          expect(sameBytes(rec.key, c.records[i]!.key)).toBe(true);
          expect(sameBytes(rec.value, c.records[i]!.value)).toBe(true);
        }
      }
    });
  }
});

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
