import { execFile } from 'node:child_process';
import { type Admin, CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllRecords } from '../../storage/record/record.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { seededRandom } from '../record/random.js';
import { BACKENDS } from './backends.js';
import { registerSamsaCodecs } from './kafkajs-codecs.js';

registerSamsaCodecs();

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

function kcat(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/kcat', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe.each(BACKENDS)('KafkaJS against samsa on the %s backend', (backend) => {
  let b: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    b = await startBroker({ 'storage.backend': backend, 'auto.create.topics.enable': false, 'group.initial.rebalance.delay.ms': 0 });
    kafka = new Kafka({ clientId: 'samsa-interop', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await b.stop();
  });

  it('creates, lists, describes and deletes topics', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'kjs-admin', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(
      true,
    );
    expect(await admin.listTopics()).toContain('kjs-admin');
    const md = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
    expect(md.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
      [2, 0, [0], [0]],
    ]);
    await admin.deleteTopics({ topics: ['kjs-admin'] });
    expect(await admin.listTopics()).not.toContain('kjs-admin');
  });

  it.each(CODECS)('produces %s batches byte-exact (binary keys, values, headers), read back by kcat and the log', async (name, type) => {
    const topic = `kjs-${name}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const random = seededRandom(type);
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: random.bytes(8),
      value: Buffer.concat([Buffer.from(`v${i}:`), random.bytes(i % 97)]),
      headers: { h: random.bytes(4) },
    }));
    const acks = await producer.send({ topic, acks: -1, compression: type, messages });
    expect(acks[0]).toMatchObject({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' });
    const { bytes } = await b.broker.context.replicas.getPartition(topic, 0)!.log.read(0, 1 << 22);
    const batches = validateBatches(bytes);
    expect(new Set(batches.map((x) => x.compression))).toEqual(new Set([type]));
    const stored = batches.flatMap((x) => readAllRecords(x));
    expect(stored.map((r) => [r.key, r.value, r.headers[0]!.value])).toEqual(messages.map((m) => [m.key, m.value, m.headers.h]));
    // librdkafka decodes what KafkaJS (with samsa's codecs) compressed.
    const lengths = await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '0', '-e', '-q', '-f', '%o %K %S\n']);
    expect(lengths.trim().split('\n')).toEqual(messages.map((m, i) => `${i} ${m.key.length} ${m.value.length}`));
  });

  it('fetches offsets by timestamp and deletes records', async () => {
    const topic = 'kjs-offsets';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const t0 = Date.now() - 100_000;
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, timestamp: String(t0 + i * 1000) })) });
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 4500)).toEqual([{ partition: 0, offset: '5' }]);
    expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: '10', high: '10', low: '0' }]);
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '7' }] });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: '10', high: '10', low: '7' }]);
  });

  it('consumes byte-exact with a group consumer', async () => {
    const topic = 'kjs-consume';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const random = seededRandom(91);
    const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: random.bytes(1 + (i % 200)), partition: i % 2 }));
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages });
    const consumer = kafka.consumer({ groupId: `kjs-group-${backend}`, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const got = new Map<string, Buffer>();
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${got.size} of 200`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            got.set(message.key!.toString(), message.value!);
            if (got.size === 200) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect(); // also when the wait fails, so no consumer outlives the test
    }
    for (const m of messages) expect(got.get(m.key)).toEqual(m.value);
  }, 60_000);
});
