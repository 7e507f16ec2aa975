import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/clients/producer/murmur2.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { registerSamsaCodecs } from '../interop/kafkajs-codecs.js';
import { seededRandom } from '../record/random.js';

const KCAT = '/usr/bin/kcat';
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

function kcat(args: string[], input = ''): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(KCAT, args, { timeout: 30_000, encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}

interface KcatRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Records of one partition as kcat prints them with '%o %K %S\n%k%s' (lengths first, so binary bytes parse exactly). */
async function kcatRecords(bootstrap: string, topic: string, partition: number): Promise<KcatRecord[]> {
  const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%o %K %S\n%k%s']);
  const records: KcatRecord[] = [];
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    const [offset, keyLength, valueLength] = out.toString('latin1', at, nl).split(' ').map(Number) as [number, number, number];
    at = nl + 1;
    const key = keyLength < 0 ? null : out.subarray(at, (at += keyLength));
    const value = valueLength < 0 ? null : out.subarray(at, (at += valueLength));
    records.push({ offset, key, value });
  }
  return records;
}

describe.skipIf(!existsSync(KCAT))('samsa producer with kcat (librdkafka) and KafkaJS', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker();
    registerSamsaCodecs();
  });
  afterAll(async () => {
    await b.stop();
  });

  it('keyed records land in the partitions librdkafka’s murmur2 partitioner chooses', async () => {
    for (const name of ['murmur-kcat', 'murmur-samsa']) {
      await b.broker.context.topics.create({ name, numPartitions: 7, replicationFactor: 1, assignments: [], configs: {} });
    }
    const keys = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? `${i * 7919}` : `k€y-${i}-${'z'.repeat(i % 13)}`));
    await kcat(['-b', b.bootstrap, '-P', '-t', 'murmur-kcat', '-K:', '-X', 'partitioner=murmur2_random'], `${keys.map((k) => `${k}:v`).join('\n')}\n`);
    const producer = new Producer({ 'bootstrap.servers': b.bootstrap });
    await Promise.all(keys.map((key) => producer.send({ topic: 'murmur-samsa', key, value: 'v' })));
    await producer.close();
    let total = 0;
    for (let p = 0; p < 7; p++) {
      const fromKcat = (await kcat(['-b', b.bootstrap, '-C', '-t', 'murmur-kcat', '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%k\n']))
        .toString()
        .split('\n')
        .filter(Boolean);
      const fromSamsa = (await kcat(['-b', b.bootstrap, '-C', '-t', 'murmur-samsa', '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%k\n']))
        .toString()
        .split('\n')
        .filter(Boolean);
      expect(fromSamsa).toEqual(fromKcat);
      expect(fromSamsa).toEqual(keys.filter((k) => partitionForKey(Buffer.from(k), 7) === p));
      total += fromSamsa.length;
    }
    expect(total).toBe(300);
  });

  it.each(CODECS)('kcat reads samsa’s %s records byte-exact (binary keys and values, nulls, headers)', async (codec) => {
    const topic = `exact-kcat-${codec}`;
    await b.broker.context.topics.create({ name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: {} });
    const random = seededRandom(77);
    const records = Array.from({ length: 400 }, (_, i) => ({
      partition: i % 2,
      key: i % 10 === 0 ? null : random.bytes(1 + (i % 17)),
      value: i % 25 === 0 ? null : random.bytes(i % 300),
      headers: { seq: String(i) },
    }));
    const producer = new Producer({ 'bootstrap.servers': b.bootstrap, 'compression.type': codec, 'linger.ms': 10 });
    await Promise.all(records.map((r) => producer.send({ topic, ...r })));
    await producer.close();
    for (const p of [0, 1]) {
      const got = await kcatRecords(b.bootstrap, topic, p);
      const sent = records.filter((r) => r.partition === p);
      expect(got.map((r) => r.offset)).toEqual(sent.map((_, i) => i));
      expect(got.map((r) => [r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null])).toEqual(
        sent.map((r) => [r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null]),
      );
    }
    const headers = (await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q', '-f', '%h\n'])).toString().trim().split('\n');
    expect(headers).toEqual(records.filter((r) => r.partition === 1).map((r) => `seq=${r.headers.seq}`));
  });

  it.each(CODECS)(
    'a KafkaJS group consumer reads samsa’s %s records byte-exact',
    async (codec) => {
      const topic = `exact-kafkajs-${codec}`;
      await b.broker.context.topics.create({ name: topic, numPartitions: 3, replicationFactor: 1, assignments: [], configs: {} });
      const random = seededRandom(101);
      const records = Array.from({ length: 300 }, (_, i) => ({
        key: `k${i}`,
        value: random.bytes(1 + ((i * 37) % 500)),
        headers: { h: Buffer.from([i & 0xff, 0xff, 0]) },
        timestamp: 1_700_000_000_000 + i,
      }));
      const producer = new Producer({ 'bootstrap.servers': b.bootstrap, 'compression.type': codec });
      const metadata = await Promise.all(records.map((r) => producer.send({ topic, ...r })));
      await producer.close();
      const kafka = new Kafka({ clientId: 'samsa-producer-interop', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `samsa-producer-${codec}`, sessionTimeout: 10_000, heartbeatInterval: 500 });
      const got = new Map<string, { value: Buffer; header: Buffer; timestamp: string; partition: number; offset: string }>();
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`consumed ${got.size} of 300`)), 30_000);
          void consumer.run({
            eachMessage: async ({ partition, message }) => {
              got.set(message.key!.toString(), {
                value: message.value!,
                header: message.headers!.h as Buffer,
                timestamp: message.timestamp,
                partition,
                offset: message.offset,
              });
              if (got.size === 300) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect(); // also when the wait fails, so no consumer outlives the test
      }
      records.forEach((r, i) => {
        const m = got.get(r.key)!;
        expect(m.value.equals(r.value)).toBe(true);
        expect(m.header.equals(r.headers.h)).toBe(true);
        expect(m.timestamp).toBe(String(r.timestamp));
        expect([m.partition, Number(m.offset)]).toEqual([metadata[i]!.partition, metadata[i]!.offset]);
      });
    },
    60_000,
  );
});
