import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { codecFor } from '../../codecs/registry.js';
import { Consumer } from '../../src/clients/consumer/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { readAllRecords } from '../../storage/record/record.js';
import { buildRecordBatch, type RecordInput } from '../../storage/record/record-batch-builder.js';
import { LOG_OVERHEAD, RECORDS } from '../../storage/record/record-batch-layout.js';
import { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { Random } from '../record/random.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

const ITERATIONS = 150;
const SEED = Number(process.env.SAMSA_FUZZ_SEED ?? 20260214);
const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

/** Records with keys, values and headers of every shape, values compressible so every codec really compresses. */
function randomRecords(random: Random): RecordInput[] {
  return Array.from({ length: random.int(1, 12) }, (_, i) => ({
    key: random.next() < 0.2 ? null : random.bytes(random.int(0, 12)),
    value: random.next() < 0.1 ? null : random.text(random.int(0, 300)),
    headers: Array.from({ length: random.int(0, 2) }, (_, h) => ({ key: `h${h}`, value: random.next() < 0.3 ? null : random.bytes(random.int(0, 6)) })),
    timestamp: Date.now() + i,
  }));
}

/** The uncompressed `batch` with its records section compressed by `codec` (CRC left to the caller). */
function compressRecords(batch: Buffer, codec: CompressionType): Buffer {
  const compressed = codecFor(codec).compress(batch.subarray(RECORDS));
  const out = Buffer.concat([batch.subarray(0, RECORDS), compressed]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt16BE(codec, 21);
  return out;
}

/**
 * Valid batches, a few bytes of their records section overwritten and the
 * CRC recomputed, produced to a running broker: each must be refused with
 * CORRUPT_MESSAGE or INVALID_RECORD, or accepted whole and then be readable
 * by samsa's consumer, record for record, to the end of the partition.
 */
describe('a broker fed batches mutated inside their records', () => {
  let b: TestBroker;
  let raw: RawClient;

  beforeAll(async () => {
    b = await startBroker();
    raw = await RawClient.connect(b.port);
    const topics = CODECS.map((codec) => ({ name: `fuzz-${codec}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }));
    await raw.request('CreateTopics', 5, { topics, timeoutMs: 5000, validateOnly: false });
  });

  afterAll(async () => {
    raw?.close();
    await b?.stop();
  });

  it.each(CODECS.map((codec) => [CompressionType[codec], codec] as const))(
    '%s: refuses or stores each so that it can be consumed',
    async (_name, codec) => {
      const seed = SEED + codec;
      const topic = `fuzz-${codec}`;
      const random = new Random(seed);
      const consumer = new Consumer<Buffer | null, Buffer | null>({
        'bootstrap.servers': b.bootstrap,
        'key.deserializer': 'bytes',
        'value.deserializer': 'bytes',
        'auto.offset.reset': 'earliest',
      });
      try {
        const accepted: Buffer[] = [];
        const answers = new Map<number, number>();
        for (let i = 0; i < ITERATIONS; i++) {
          // Odd iterations mutate the compressed bytes (the codec's checks), even ones the records before compression (the walk's).
          const compressedMutation = codec !== CompressionType.None && i % 2 === 1;
          let batch = buildRecordBatch(randomRecords(random), { compression: compressedMutation ? codec : CompressionType.None });
          for (let n = random.int(1, 3); n > 0; n--) batch[random.int(RECORDS, batch.length - 1)] = random.int(0, 255);
          if (codec !== CompressionType.None && !compressedMutation) batch = compressRecords(batch, codec);
          new RecordBatchView(batch).updateCrc();
          const sent = Buffer.from(batch);
          const res = await raw.request('Produce', 9, {
            transactionalId: null,
            acks: 1,
            timeoutMs: 5000,
            topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
          });
          const { errorCode, errorMessage } = res.responses[0].partitionResponses[0];
          answers.set(errorCode, (answers.get(errorCode) ?? 0) + 1);
          expect([ErrorCode.NONE, ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD], `mutation ${i}: ${errorMessage}`).toContain(errorCode);
          if (errorCode === ErrorCode.NONE) accepted.push(sent);
        }
        // What was accepted is what a decoder reads from the batches as sent, at consecutive offsets.
        const expected = accepted.flatMap((bytes) =>
          readAllRecords(new RecordBatchView(bytes)).map((r) => [r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null]),
        );
        const partition = { topic, partition: 0 };
        expect(b.broker.context.replicas.getPartition(topic, 0)!.logEndOffset).toBe(expected.length);
        consumer.assign([partition]);
        const got: Array<[number, string | null, string | null]> = [];
        for (let emptyPolls = 0; got.length < expected.length; ) {
          const records = await consumer.poll(500);
          if (records.count === 0 && ++emptyPolls === 20) throw new Error(`the consumer stopped at ${got.length} of ${expected.length} records`);
          for (const r of records) got.push([r.offset, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null]);
        }
        expect(got).toEqual(expected.map(([key, value], offset) => [offset, key, value]));
        expect(await consumer.position(partition)).toBe(expected.length);
        // Not every mutation is refused (bytes inside values are just other values), but many must be.
        expect(answers.get(ErrorCode.NONE) ?? 0).toBeLessThan(ITERATIONS);
        expect(answers.get(ErrorCode.INVALID_RECORD) ?? 0).toBeGreaterThan(0);
      } catch (error) {
        throw new Error(`seed ${seed} (rerun with SAMSA_FUZZ_SEED=${SEED}): ${(error as Error).message}`, { cause: error });
      } finally {
        await consumer.close(5000).catch(() => undefined);
      }
    },
    120_000,
  );
});
