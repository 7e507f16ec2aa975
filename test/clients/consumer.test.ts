import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../storage/record/control-record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { readAllRecords } from '../../storage/record/record.js';
import { CompletedFetch } from '../../src/clients/consumer/completed-fetch.js';
import {
  CommitFailedError,
  Consumer,
  NoOffsetForPartitionError,
  RecordDeserializationError,
  WakeupError,
  type ConsumerRebalanceListener,
  type ConsumerRecord,
  type ConsumerRecords,
  type TopicPartition,
} from '../../src/clients/consumer/index.js';
import { stringDeserializer } from '../../src/clients/consumer/deserializers.js';
import { Producer as SamsaProducer } from '../../src/clients/producer/index.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { registerSamsaCodecs } from '../interop/kafkajs-codecs.js';

registerSamsaCodecs();

let b: TestBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const open: Consumer<any, any>[] = [];
/** Members' poll loops still running when a test ends (it failed midway): stopped before their consumers close. */
const members: Array<{ stop(): void }> = [];

beforeAll(async () => {
  b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': false });
  kafka = new Kafka({ clientId: 'consumer-tests', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await b?.stop();
});

afterEach(async () => {
  for (const m of members.splice(0)) m.stop();
  await Promise.all(open.splice(0).map((c) => c.close(5000).catch(() => undefined)));
});

// --- helpers -----------------------------------------------------------------------

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** A consumer on the test broker with string keys and values unless told otherwise; closed after the test. */
function consumer<K = string | null, V = string | null>(config: Record<string, unknown> = {}): Consumer<K, V> {
  const c = new Consumer<K, V>({
    'bootstrap.servers': b.bootstrap,
    'key.deserializer': 'string',
    'value.deserializer': 'string',
    'auto.offset.reset': 'earliest',
    'heartbeat.interval.ms': 100,
    'session.timeout.ms': 10_000,
    ...config,
  });
  open.push(c);
  return c;
}

async function pollUntil<K, V>(c: Consumer<K, V>, count: number, timeoutMs = 15_000): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${out.length} of ${count} records in ${timeoutMs} ms`);
    for (const r of await c.poll(200)) out.push(r);
  }
  return out;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition };
}

function names(list: readonly TopicPartition[]): string[] {
  return list.map((x) => `${x.topic}-${x.partition}`).sort();
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The records the broker stored for a partition, decoded from its log. */
async function stored(topic: string, partition: number) {
  const { bytes } = await b.broker.context.replicas.getPartition(topic, partition)!.log.read(0, 1 << 24);
  return validateBatches(bytes).flatMap((batch) => readAllRecords(batch).map((r) => ({ ...r, batch })));
}

/** A group member polling in the background, recording its records and rebalance events. */
class Member {
  readonly consumer: Consumer<string | null, string | null>;
  readonly records: ConsumerRecord<string | null, string | null>[] = [];
  readonly events: Array<{ type: 'revoked' | 'assigned' | 'lost'; partitions: string[] }> = [];
  readonly errors: unknown[] = [];
  private running = true;
  private loop: Promise<void>;

  constructor(
    readonly name: string,
    groupId: string,
    topics: string[] | RegExp,
    config: Record<string, unknown> = {},
  ) {
    const c = consumer({ 'group.id': groupId, ...config });
    this.consumer = c;
    const listener: ConsumerRebalanceListener = {
      onPartitionsRevoked: (p) => void this.events.push({ type: 'revoked', partitions: names(p) }),
      onPartitionsAssigned: (p) => void this.events.push({ type: 'assigned', partitions: names(p) }),
      onPartitionsLost: (p) => void this.events.push({ type: 'lost', partitions: names(p) }),
    };
    c.subscribe(topics, listener);
    members.push(this);
    this.loop = (async () => {
      while (this.running) {
        try {
          for (const r of await c.poll(100)) this.records.push(r);
        } catch (e) {
          this.errors.push(e);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
  }

  assignment(): string[] {
    return names(this.consumer.assignment());
  }

  stop(): void {
    this.running = false;
  }

  async close(): Promise<void> {
    this.running = false;
    await this.consumer.close();
    await this.loop;
  }
}

/** Waits until the members' assignments cover `expected` exactly once each and `shape` holds. */
async function waitForCoverage(members: Member[], expected: string[], shape: (sizes: number[]) => boolean = () => true, timeoutMs = 20_000): Promise<Map<string, string[]>> {
  let last = '';
  await waitFor(
    () => {
      const all = members.flatMap((m) => m.assignment()).sort();
      last = members.map((m) => `${m.name}=[${m.assignment().join(',')}]`).join(' ');
      return JSON.stringify(all) === JSON.stringify([...expected].sort()) && shape(members.map((m) => m.assignment().length));
    },
    timeoutMs,
    `coverage of ${expected.length} partitions (last: ${last})`,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}; errors: ${members.flatMap((m) => m.errors.map(String)).join('; ')}`);
  });
  return new Map(members.map((m) => [m.name, m.assignment()]));
}

function partitionsOf(topic: string, n: number): string[] {
  return Array.from({ length: n }, (_, p) => `${topic}-${p}`);
}

// --- assign and poll ---------------------------------------------------------------

describe('assign and poll', () => {
  it('reads every record of the assigned partitions with its offset, key, value, headers and timestamp', async () => {
    await createTopic('assign-basic', 3);
    const t0 = Date.now() - 60_000;
    const messages = Array.from({ length: 30 }, (_, i) => ({
      partition: i % 3,
      key: i % 5 === 0 ? null : `key-${i}`,
      value: `value-${i}`,
      timestamp: String(t0 + i),
      headers: { h: `x${i}`, bin: Buffer.from([i, 255]) },
    }));
    await producer.send({ topic: 'assign-basic', messages });
    const c = consumer({ 'max.poll.records': 7 });
    c.assign([tp('assign-basic', 0), tp('assign-basic', 2)]);
    expect(names(c.assignment())).toEqual(['assign-basic-0', 'assign-basic-2']);

    const batches: number[] = [];
    const got: ConsumerRecord<string | null, string | null>[] = [];
    while (got.length < 20) {
      const records = await c.poll(1000);
      batches.push(records.count);
      got.push(...records);
    }
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    const expected = messages.map((m, i) => ({ ...m, i })).filter((m) => m.partition !== 1);
    const byPartition = (p: number) => got.filter((r) => r.partition === p);
    for (const p of [0, 2]) {
      const want = expected.filter((m) => m.partition === p);
      expect(byPartition(p).map((r) => [r.topic, r.offset, r.key, r.value, r.timestamp, r.timestampType])).toEqual(
        want.map((m, idx) => ['assign-basic', idx, m.key, m.value, Number(m.timestamp), 'CreateTime']),
      );
      expect(byPartition(p).map((r) => r.headers.map((h) => [h.key, h.value]))).toEqual(want.map((m) => [['h', Buffer.from(`x${m.i}`)], ['bin', Buffer.from([m.i, 255])]]));
      expect(byPartition(p).map((r) => [r.serializedKeySize, r.serializedValueSize])).toEqual(want.map((m) => [m.key === null ? -1 : m.key.length, m.value.length]));
    }
    expect(await c.position(tp('assign-basic', 0))).toBe(10);
    expect(await c.position(tp('assign-basic', 2))).toBe(10);
    // Nothing more: an empty poll after the timeout.
    const started = Date.now();
    expect((await c.poll(300)).count).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('iterates with for await, and a poll waiting for data returns as soon as it arrives', async () => {
    await createTopic('assign-iter', 1);
    const c = consumer({ 'auto.offset.reset': 'latest' });
    c.assign([tp('assign-iter', 0)]);
    expect(await c.position(tp('assign-iter', 0))).toBe(0);
    const pending = c.poll(10_000);
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    await producer.send({ topic: 'assign-iter', messages: [{ value: 'first' }] });
    const first = await pending;
    expect(Date.now() - sentAt).toBeLessThan(2000);
    expect(first.toArray().map((r) => r.value)).toEqual(['first']);

    await producer.send({ topic: 'assign-iter', messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    const seen: string[] = [];
    for await (const record of c) {
      seen.push(`${record.offset}:${record.value}`);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['1:a', '2:b', '3:c']);
  });

  it('pauses and resumes partitions', async () => {
    await createTopic('assign-pause', 2);
    await producer.send({ topic: 'assign-pause', messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    const c = consumer();
    c.assign([tp('assign-pause', 0), tp('assign-pause', 1)]);
    c.pause([tp('assign-pause', 1)]);
    expect(names(c.paused())).toEqual(['assign-pause-1']);
    const first = await pollUntil(c, 3);
    await new Promise((r) => setTimeout(r, 300));
    const more = await c.poll(300);
    expect([...first, ...more].map((r) => `${r.partition}:${r.value}`)).toEqual(['0:v0', '0:v2', '0:v4']);
    c.resume([tp('assign-pause', 1)]);
    expect(c.paused()).toEqual([]);
    const rest = await pollUntil(c, 3);
    expect(rest.map((r) => `${r.partition}:${r.value}`)).toEqual(['1:v1', '1:v3', '1:v5']);
  });

  it('applies auto.offset.reset: latest skips what is there, none refuses to guess', async () => {
    await createTopic('assign-reset', 1);
    await producer.send({ topic: 'assign-reset', messages: [{ value: 'old' }] });
    const latest = consumer({ 'auto.offset.reset': 'latest' });
    latest.assign([tp('assign-reset', 0)]);
    expect(await latest.position(tp('assign-reset', 0))).toBe(1);
    await producer.send({ topic: 'assign-reset', messages: [{ value: 'new' }] });
    expect((await pollUntil(latest, 1)).map((r) => r.value)).toEqual(['new']);

    const none = consumer({ 'auto.offset.reset': 'none', 'group.id': 'reset-none', 'enable.auto.commit': false });
    none.assign([tp('assign-reset', 0)]);
    await expect(none.poll(2000)).rejects.toBeInstanceOf(NoOffsetForPartitionError);
    none.seek(tp('assign-reset', 0), 0);
    expect((await pollUntil(none, 2)).map((r) => r.value)).toEqual(['old', 'new']);
  });

  it('seeks, seeks to the beginning and the end, and finds offsets by time', async () => {
    await createTopic('assign-seek', 1);
    const t0 = Date.now() - 100_000;
    await producer.send({ topic: 'assign-seek', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: String(t0 + i * 1000) })) });
    const c = consumer();
    const p0 = tp('assign-seek', 0);
    c.assign([p0]);
    expect((await pollUntil(c, 10)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await c.position(p0)).toBe(10);

    c.seek(p0, 4);
    expect(await c.position(p0)).toBe(4);
    expect((await pollUntil(c, 6)).map((r) => r.value)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9']);

    c.seekToBeginning([p0]);
    expect(await c.position(p0)).toBe(0);
    expect((await pollUntil(c, 10))[0]!.value).toBe('v0');

    c.seekToEnd();
    expect(await c.position(p0)).toBe(10);
    expect((await c.poll(200)).count).toBe(0);

    const found = await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: t0 + 2500 }]);
    expect(found).toEqual([{ topic: 'assign-seek', partition: 0, offset: 3, timestamp: t0 + 3000, leaderEpoch: 0 }]);
    expect(await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: t0 }])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 0, timestamp: t0, leaderEpoch: 0 }]);
    await expect(c.offsetsForTimes([{ ...p0, timestamp: 1 }, { ...p0, timestamp: 2 }])).rejects.toThrow(/more than once/);
    const none = await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: Date.now() + 60_000 }]);
    expect(none).toEqual([{ topic: 'assign-seek', partition: 0, offset: null, timestamp: null }]);
    // Seeking to what offsetsForTimes found reads from there.
    c.seek(p0, found[0]!.offset!);
    expect((await pollUntil(c, 1))[0]!.value).toBe('v3');

    expect(await c.beginningOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 0 }]);
    expect(await c.endOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 10 }]);
    await admin.fetchTopicMetadata({ topics: ['assign-seek'] });
    await admin.deleteTopicRecords({ topic: 'assign-seek', partitions: [{ partition: 0, offset: '5' }] });
    expect(await c.beginningOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 5 }]);
    // A position below the log start is out of range: auto.offset.reset (earliest) moves it to 5.
    c.seek(p0, 1);
    expect((await pollUntil(c, 1))[0]!.offset).toBe(5);
  });

  it('deserializes with built-ins, functions and objects; a bad record stops its partition until sought past', async () => {
    await createTopic('assign-deser', 1);
    await producer.send({
      topic: 'assign-deser',
      messages: [{ key: '{"id":1}', value: 'plain' }, { key: 'not json', value: 'x' }, { key: '{"id":3}', value: null }],
    });
    const seenTopics: string[] = [];
    const c = consumer<unknown, { upper: string | null; len: number }>({
      'key.deserializer': 'json',
      'value.deserializer': {
        deserialize(topic: string, data: Buffer | null) {
          seenTopics.push(topic);
          return { upper: data === null ? null : data.toString().toUpperCase(), len: data?.length ?? -1 };
        },
      },
    });
    c.assign([tp('assign-deser', 0)]);
    const first = await pollUntil(c, 1);
    expect(first.map((r) => [r.key, r.value])).toEqual([[{ id: 1 }, { upper: 'PLAIN', len: 5 }]]);
    let error: unknown;
    for (let i = 0; i < 5 && !error; i++) await c.poll(500).catch((e) => (error = e));
    expect(error).toBeInstanceOf(RecordDeserializationError);
    expect(error).toMatchObject({ topic: 'assign-deser', partition: 0, offset: 1 });
    // It keeps failing at the same offset…
    await expect(pollUntil(c, 1, 3000)).rejects.toBeInstanceOf(RecordDeserializationError);
    expect(await c.position(tp('assign-deser', 0))).toBe(1);
    // …until the application seeks past it.
    c.seek(tp('assign-deser', 0), 2);
    expect((await pollUntil(c, 1)).map((r) => [r.offset, r.key, r.value])).toEqual([[2, { id: 3 }, { upper: null, len: -1 }]]);
    expect(seenTopics.every((t) => t === 'assign-deser')).toBe(true);

    const raw = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': (data: Buffer | null) => data });
    raw.assign([tp('assign-deser', 0)]);
    const bytes = await pollUntil(raw, 3);
    expect(bytes.map((r) => r.key)).toEqual([Buffer.from('{"id":1}'), Buffer.from('not json'), Buffer.from('{"id":3}')]);
    expect(bytes[2]!.value).toBeNull();
  });

  it('runs interceptors: onConsume may replace the records, onCommit sees commits', async () => {
    await createTopic('assign-intercept', 1);
    await producer.send({ topic: 'assign-intercept', messages: ['a', 'bb', 'ccc', 'dddd'].map((value) => ({ value })) });
    const committed: string[] = [];
    const consumed: number[] = [];
    const c = consumer({
      'group.id': 'intercept-group',
      'enable.auto.commit': false,
      'interceptor.classes': [
        {
          onConsume(records: ConsumerRecords<string, string>) {
            consumed.push(records.count);
            return records;
          },
          onCommit(offsets: Array<{ topic: string; partition: number; offset: number }>) {
            committed.push(...offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`));
          },
        },
        {
          onConsume() {
            throw new Error('a broken interceptor is skipped');
          },
        },
      ],
    });
    c.assign([tp('assign-intercept', 0)]);
    const got = await pollUntil(c, 4);
    expect(got.map((r) => r.value)).toEqual(['a', 'bb', 'ccc', 'dddd']);
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(4);
    await c.commitSync();
    expect(committed).toEqual(['assign-intercept-0@4']);
  });

  it('reads the first batch whole even when it exceeds the fetch size limits', async () => {
    await createTopic('assign-large', 1);
    const big = 'x'.repeat(200_000);
    await producer.send({ topic: 'assign-large', messages: [{ value: big }, { value: big }] });
    const c = consumer({ 'max.partition.fetch.bytes': 1024, 'fetch.max.bytes': 1024 });
    c.assign([tp('assign-large', 0)]);
    const got = await pollUntil(c, 2);
    expect(got.map((r) => r.value!.length)).toEqual([200_000, 200_000]);
  });

  it('lets the broker hold a fetch for fetch.min.bytes up to fetch.max.wait.ms', async () => {
    await createTopic('assign-minbytes', 1);
    await producer.send({ topic: 'assign-minbytes', messages: [{ value: 'small' }] });
    const timeToFirstRecord = async (config: Record<string, unknown>) => {
      const c = consumer(config);
      const started = Date.now();
      c.assign([tp('assign-minbytes', 0)]);
      const got = await pollUntil(c, 1, 10_000);
      expect(got.map((r) => r.value)).toEqual(['small']);
      return Date.now() - started;
    };
    // One small record never makes 1 MB: the broker answers when fetch.max.wait.ms ends.
    expect(await timeToFirstRecord({ 'fetch.min.bytes': 1_000_000, 'fetch.max.wait.ms': 1500 })).toBeGreaterThanOrEqual(1400);
    // With fetch.min.bytes=1 it answers at once.
    expect(await timeToFirstRecord({ 'fetch.min.bytes': 1, 'fetch.max.wait.ms': 1500 })).toBeLessThan(1000);
  });

  it('wakeup() makes a waiting poll throw WakeupError', async () => {
    await createTopic('assign-wakeup', 1);
    const c = consumer();
    c.assign([tp('assign-wakeup', 0)]);
    const polling = c.poll(20_000);
    setTimeout(() => c.wakeup(), 200);
    const started = Date.now();
    await expect(polling).rejects.toBeInstanceOf(WakeupError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await c.poll(10)).count).toBe(0);
  });
});

// --- read committed ----------------------------------------------------------------

describe('read_committed decoding (CompletedFetch)', () => {
  it('skips aborted transactions and control batches, and moves the position past them', () => {
    const batches = [
      buildRecordBatch([{ value: 'plain-0' }], { baseOffset: 0 }),
      buildRecordBatch([{ value: 'aborted-1' }, { value: 'aborted-2' }], { baseOffset: 1, producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
      buildRecordBatch([{ value: 'committed-3' }], { baseOffset: 3, producerId: 8, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Abort, coordinatorEpoch: 0 }, { producerId: 7, producerEpoch: 0, baseOffset: 4 }),
      buildEndTransactionMarkerBatch({ type: ControlRecordType.Commit, coordinatorEpoch: 0 }, { producerId: 8, producerEpoch: 0, baseOffset: 5 }),
      buildRecordBatch([{ value: 'later-6' }], { baseOffset: 6, producerId: 7, producerEpoch: 0, baseSequence: 2, isTransactional: true }),
    ];
    const bytes = Buffer.concat(batches);
    const read = (readCommitted: boolean) => {
      const fetch = new CompletedFetch('t', 0, 0, 0, bytes, { readCommitted, checkCrcs: true, abortedTransactions: [{ producerId: 7, firstOffset: 1 }] });
      const out: ConsumerRecord<string | null, string | null>[] = [];
      while (!fetch.consumed) fetch.take(100, stringDeserializer, stringDeserializer, out);
      return { values: out.map((r) => `${r.offset}:${r.value}`), next: fetch.nextFetchOffset };
    };
    expect(read(true)).toEqual({ values: ['0:plain-0', '3:committed-3', '6:later-6'], next: 7 });
    expect(read(false)).toEqual({ values: ['0:plain-0', '1:aborted-1', '2:aborted-2', '3:committed-3', '6:later-6'], next: 7 });
  });

  it('starts inside a batch at the fetch offset and hands records out a few at a time', () => {
    const bytes = buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })), { baseOffset: 100 });
    const fetch = new CompletedFetch('t', 3, 104, 0, bytes, { readCommitted: false, checkCrcs: true, abortedTransactions: null });
    const out: ConsumerRecord<string | null, string | null>[] = [];
    expect(fetch.take(4, stringDeserializer, stringDeserializer, out)).toBe(4);
    expect(fetch.nextFetchOffset).toBe(108);
    expect(fetch.take(4, stringDeserializer, stringDeserializer, out)).toBe(2);
    expect(fetch.consumed).toBe(true);
    expect(out.map((r) => `${r.partition}/${r.offset}:${r.key}=${r.value}`)).toEqual(['3/104:k4=v4', '3/105:k5=v5', '3/106:k6=v6', '3/107:k7=v7', '3/108:k8=v8', '3/109:k9=v9']);
    // Keys and values are slices of the fetched bytes, not copies.
    const raw: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    const bytesDe = { deserialize: (_t: string, d: Buffer | null) => d };
    new CompletedFetch('t', 3, 100, 0, bytes, { readCommitted: false, checkCrcs: true, abortedTransactions: null }).take(1, bytesDe, bytesDe, raw);
    expect(raw[0]!.value!.buffer).toBe(bytes.buffer);
  });
});

describe('record decoding (CompletedFetch)', () => {
  const plain = { readCommitted: false, checkCrcs: true, abortedTransactions: null };
  const bytesDe = { deserialize: (_t: string, d: Buffer | null) => d };
  const takeAll = (fetch: CompletedFetch) => {
    const out: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    while (!fetch.consumed) fetch.take(1000, bytesDe, bytesDe, out);
    return out;
  };

  it('reads compressed batches with headers, and LogAppendTime timestamps', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: i % 3 ? `k${i}` : null,
      value: i % 4 ? Buffer.alloc(i * 3, i) : null,
      timestamp: 1_000_000 + i,
      headers: i % 2 ? [{ key: 'h', value: `v${i}` }, { key: 'ünï', value: null }] : [],
    }));
    for (const compression of [1, 2, 3, 4]) {
      const bytes = Buffer.concat([
        buildRecordBatch(records.slice(0, 25), { baseOffset: 10, compression, partitionLeaderEpoch: 3 }),
        buildRecordBatch(records.slice(25), { baseOffset: 35, compression, logAppendTime: 2_000_000 }),
      ]);
      const got = takeAll(new CompletedFetch('t', 0, 10, 0, bytes, plain));
      expect(got.map((r) => [r.offset, r.key?.toString() ?? null, r.value, r.timestamp, r.timestampType, r.leaderEpoch])).toEqual(
        records.map((x, i) => [10 + i, x.key, x.value, i < 25 ? x.timestamp : 2_000_000, i < 25 ? 'CreateTime' : 'LogAppendTime', i < 25 ? 3 : undefined]),
      );
      expect(got.map((r) => r.headers.map((h) => [h.key, h.value?.toString() ?? null]))).toEqual(records.map((x) => x.headers.map((h) => [h.key, h.value])));
    }
  });

  it('refuses a batch whose CRC does not match (unless check.crcs is false), after handing out what came before', () => {
    const good = buildRecordBatch([{ value: 'a' }, { value: 'b' }], { baseOffset: 0 });
    const bad = buildRecordBatch([{ value: 'c' }], { baseOffset: 2 });
    bad[bad.length - 2] ^= 0x20; // the value 'c' becomes 'C'
    const bytes = Buffer.concat([good, bad]);
    const fetch = new CompletedFetch('t', 0, 0, 0, bytes, plain);
    const out: ConsumerRecord<Buffer | null, Buffer | null>[] = [];
    expect(fetch.take(10, bytesDe, bytesDe, out)).toBe(2);
    expect(fetch.nextFetchOffset).toBe(2);
    expect(() => fetch.take(10, bytesDe, bytesDe, out)).toThrow(/t-0 at offset 2: crc/);
    expect(fetch.consumed).toBe(true);
    const unchecked = takeAll(new CompletedFetch('t', 0, 0, 0, bytes, { ...plain, checkCrcs: false }));
    expect(unchecked.map((r) => `${r.offset}:${r.value}`)).toEqual(['0:a', '1:b', '2:C']);
  });
});

// --- groups: commits ---------------------------------------------------------------

describe('commits', () => {
  it('commitSync and commitAsync store offsets with metadata; committed() and a new member resume from them', async () => {
    await createTopic('commit-basic', 2);
    await producer.send({ topic: 'commit-basic', messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    const c = consumer({ 'group.id': 'commit-group', 'enable.auto.commit': false });
    c.subscribe(['commit-basic']);
    await pollUntil(c, 10);
    expect(await c.committed([tp('commit-basic', 0), tp('commit-basic', 1)])).toEqual([
      { topic: 'commit-basic', partition: 0, offset: null, metadata: null },
      { topic: 'commit-basic', partition: 1, offset: null, metadata: null },
    ]);
    await c.commitSync([{ topic: 'commit-basic', partition: 0, offset: 3, metadata: 'halfway' }]);
    const callbacks: Array<[Error | null, number]> = [];
    const asyncResult = await c.commitAsync([{ topic: 'commit-basic', partition: 1, offset: 5 }], (e, offsets) => callbacks.push([e, offsets.length]));
    expect(asyncResult).toBeNull();
    expect(callbacks).toEqual([[null, 1]]);
    expect(await c.committed([tp('commit-basic', 0), tp('commit-basic', 1)])).toEqual([
      { topic: 'commit-basic', partition: 0, offset: 3, metadata: 'halfway' },
      { topic: 'commit-basic', partition: 1, offset: 5, metadata: '' },
    ]);
    expect(c.groupMetadata()).toMatchObject({ groupId: 'commit-group', generationId: 1, groupInstanceId: null });
    await c.close();

    const next = consumer({ 'group.id': 'commit-group', 'enable.auto.commit': false });
    next.subscribe(['commit-basic']);
    const resumed = await pollUntil(next, 2);
    expect(resumed.map((r) => `${r.partition}:${r.offset}:${r.value}`).sort()).toEqual(['0:3:v6', '0:4:v8']);
    expect(await next.position(tp('commit-basic', 1))).toBe(5);
  });

  it('auto-commits every auto.commit.interval.ms and on close', async () => {
    await createTopic('commit-auto', 1);
    await producer.send({ topic: 'commit-auto', messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
    const c = consumer({ 'group.id': 'auto-group', 'auto.commit.interval.ms': 300 });
    c.subscribe(['commit-auto']);
    await pollUntil(c, 5);
    const check = consumer({ 'group.id': 'auto-group', 'enable.auto.commit': false });
    await waitFor(
      async () => {
        await c.poll(50);
        return (await check.committed([tp('commit-auto', 0)]))[0]!.offset === 5;
      },
      10_000,
      'the auto-commit',
    );
    await producer.send({ topic: 'commit-auto', messages: [{ value: 'v5' }, { value: 'v6' }] });
    await pollUntil(c, 2);
    await c.close();
    expect((await check.committed([tp('commit-auto', 0)]))[0]!.offset).toBe(7);
  });

  it('a commit for a generation the group left behind fails with CommitFailedError', async () => {
    await createTopic('commit-stale', 1);
    const c = consumer({ 'group.id': 'stale-group', 'enable.auto.commit': false, 'max.poll.interval.ms': 1000 });
    c.subscribe(['commit-stale']);
    await waitFor(async () => (await c.poll(100), c.assignment().length === 1), 10_000, 'the assignment');
    // No poll for longer than max.poll.interval.ms: the member leaves the group.
    await new Promise((r) => setTimeout(r, 1800));
    await expect(c.commitSync([{ topic: 'commit-stale', partition: 0, offset: 1 }])).rejects.toBeInstanceOf(CommitFailedError);
  });
});

// --- groups: assignors ---------------------------------------------------------------

describe.each(['range', 'roundrobin', 'sticky', 'cooperative-sticky'])('a group with the %s assignor', (strategy) => {
  it('covers every partition exactly once as members join and leave', async () => {
    const t1 = `grp-${strategy}-a`;
    const t2 = `grp-${strategy}-b`;
    await createTopic(t1, 6);
    await createTopic(t2, 3);
    const all = [...partitionsOf(t1, 6), ...partitionsOf(t2, 3)];
    const group = `group-${strategy}`;
    const config = { 'partition.assignment.strategy': strategy };
    const a = new Member('a', group, [t1, t2], config);
    await waitForCoverage([a], all);
    expect(a.events.filter((e) => e.type === 'assigned').at(-1)!.partitions).toEqual(all);

    const bMember = new Member('b', group, [t1, t2], config);
    const c = new Member('c', group, [t1, t2], config);
    const members = [a, bMember, c];
    const three = await waitForCoverage(members, all, (sizes) => sizes.every((n) => n === 3));
    if (strategy === 'range') {
      // Per topic: two of the six partitions of t1 and one of the three of t2 each.
      for (const owned of three.values()) {
        expect(owned.filter((p) => p.startsWith(`${t1}-`))).toHaveLength(2);
        expect(owned.filter((p) => p.startsWith(`${t2}-`))).toHaveLength(1);
      }
    }

    // Everything produced now is read exactly once across the group.
    const produced = Array.from({ length: 90 }, (_, i) => ({ topic: i % 2 ? t1 : t2, value: `m${i}` }));
    for (const topic of [t1, t2]) await producer.send({ topic, messages: produced.filter((m) => m.topic === topic).map((m) => ({ value: m.value })) });
    await waitFor(() => members.reduce((n, m) => n + m.records.filter((r) => r.value!.startsWith('m')).length, 0) >= 90, 20_000, 'the group to read 90 records');
    const read = members.flatMap((m) => m.records.filter((r) => r.value!.startsWith('m')).map((r) => r.value)).sort();
    expect(read).toEqual(produced.map((m) => m.value).sort());
    // Each member read only from its own partitions.
    for (const m of members) {
      const mine = new Set(m.assignment());
      expect(m.records.filter((r) => r.value!.startsWith('m')).every((r) => mine.has(`${r.topic}-${r.partition}`))).toBe(true);
    }

    // c leaves: a and b take over its partitions.
    await c.close();
    const two = await waitForCoverage([a, bMember], all, (sizes) => Math.max(...sizes) - Math.min(...sizes) <= 1);
    if (strategy === 'sticky' || strategy === 'cooperative-sticky') {
      // Sticky: a and b keep what they had.
      for (const m of [a, bMember]) expect(two.get(m.name)).toEqual(expect.arrayContaining(three.get(m.name)!));
    }
    if (strategy === 'cooperative-sticky') {
      // Partitions that stayed with a member were never revoked from it: only what moved away was.
      const keptByA = new Set(three.get('a'));
      const revokedFromA = a.events.filter((e) => e.type === 'revoked').flatMap((e) => e.partitions);
      expect(revokedFromA.length).toBeGreaterThan(0);
      for (const p of revokedFromA) expect(keptByA.has(p)).toBe(false);
      for (const m of [a, bMember]) {
        const revoked = new Set(m.events.filter((e) => e.type === 'revoked').flatMap((e) => e.partitions));
        for (const p of two.get(m.name)!) expect(revoked.has(p) && three.get(m.name)!.includes(p)).toBe(false);
      }
    } else {
      // Eager: every rebalance starts with everything revoked.
      const revokes = a.events.filter((e) => e.type === 'revoked');
      expect(revokes.length).toBeGreaterThanOrEqual(2);
      expect(revokes[0]!.partitions).toEqual(all);
    }
    await a.close();
    await bMember.close();
    expect(members.flatMap((m) => m.errors)).toEqual([]);
  });
});

// --- groups: listener, close, patterns ---------------------------------------------------------

describe('group membership', () => {
  it('calls the rebalance listener in order (eager range): revoke all, then assign', async () => {
    await createTopic('listen-t', 4);
    const a = new Member('a', 'listen-group', ['listen-t']);
    await waitForCoverage([a], partitionsOf('listen-t', 4));
    const b2 = new Member('b', 'listen-group', ['listen-t']);
    const split = await waitForCoverage([a, b2], partitionsOf('listen-t', 4), (s) => s.every((n) => n === 2));
    expect(a.events).toEqual([
      { type: 'assigned', partitions: partitionsOf('listen-t', 4) },
      { type: 'revoked', partitions: partitionsOf('listen-t', 4) },
      { type: 'assigned', partitions: split.get('a') },
    ]);
    expect(b2.events).toEqual([{ type: 'assigned', partitions: split.get('b') }]);
    // Range by member id: the smaller id takes partitions 0 and 1.
    const ids = [a, b2].map((m) => m.consumer.groupMetadata().memberId);
    const first = ids[0]! < ids[1]! ? 'a' : 'b';
    expect(split.get(first)).toEqual(['listen-t-0', 'listen-t-1']);
    await b2.close();
    expect(b2.events.at(-1)).toEqual({ type: 'revoked', partitions: split.get('b') });
    await waitForCoverage([a], partitionsOf('listen-t', 4));
    await a.close();
  });

  it('lets the listener commit in onPartitionsRevoked, and a member taking over resumes from that commit', async () => {
    await createTopic('revoke-commit', 2);
    await producer.send({ topic: 'revoke-commit', messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: `r${i}` })) });
    const c = consumer({ 'group.id': 'revoke-commit-group', 'enable.auto.commit': false });
    const committedInCallback: string[] = [];
    c.subscribe(['revoke-commit'], {
      async onPartitionsRevoked(partitions) {
        await c.commitSync();
        committedInCallback.push(...names(partitions));
      },
    });
    expect((await pollUntil(c, 8)).length).toBe(8);
    const other = new Member('other', 'revoke-commit-group', ['revoke-commit']);
    // Keep polling: the rebalance runs inside poll(), and with it the callback.
    await waitFor(async () => (await c.poll(100), c.assignment().length === 1 && other.assignment().length === 1), 20_000, 'the split');
    expect(committedInCallback).toEqual(['revoke-commit-0', 'revoke-commit-1']);
    const check = consumer({ 'group.id': 'revoke-commit-group', 'enable.auto.commit': false });
    expect((await check.committed([tp('revoke-commit', 0), tp('revoke-commit', 1)])).map((o) => o.offset)).toEqual([4, 4]);
    await producer.send({ topic: 'revoke-commit', messages: [{ partition: 0, value: 'after-0' }, { partition: 1, value: 'after-1' }] });
    await waitFor(() => other.records.length === 1, 10_000, 'the new record at the other member');
    // The other member started from the committed offset: it read only the new record of its partition.
    expect(other.records.map((r) => r.value)).toEqual([`after-${other.assignment()[0]!.slice(-1)}`]);
    await other.close();
  });

  it('keeps the partitions of a static member (group.instance.id) that restarts, without a rebalance', async () => {
    await createTopic('static-t', 4);
    const config = (id: string) => ({ 'group.instance.id': id, 'partition.assignment.strategy': 'range' });
    const a = new Member('a', 'static-group', ['static-t'], config('instance-a'));
    const b2 = new Member('b', 'static-group', ['static-t'], config('instance-b'));
    const before = await waitForCoverage([a, b2], partitionsOf('static-t', 4), (s) => s.every((n) => n === 2));
    // Range orders static members by instance id: instance-a takes 0 and 1.
    expect(before.get('a')).toEqual(['static-t-0', 'static-t-1']);
    const generation = a.consumer.groupMetadata().generationId;
    await b2.close();
    // A static member sends no LeaveGroup: a keeps its two partitions.
    await new Promise((r) => setTimeout(r, 1000));
    expect(a.assignment()).toEqual(['static-t-0', 'static-t-1']);
    const back = new Member('b2', 'static-group', ['static-t'], config('instance-b'));
    await waitForCoverage([a, back], partitionsOf('static-t', 4), (s) => s.every((n) => n === 2));
    expect(back.assignment()).toEqual(['static-t-2', 'static-t-3']);
    expect(a.consumer.groupMetadata().generationId).toBe(generation);
    expect(a.events.filter((e) => e.type === 'revoked')).toEqual([]);
    await a.close();
    await back.close();
  });

  it('close() leaves the group: another member takes over at once, long before the session timeout', async () => {
    await createTopic('leave-t', 2);
    const a = new Member('a', 'leave-group', ['leave-t'], { 'session.timeout.ms': 30_000 });
    const b2 = new Member('b', 'leave-group', ['leave-t'], { 'session.timeout.ms': 30_000 });
    await waitForCoverage([a, b2], partitionsOf('leave-t', 2), (s) => s.every((n) => n === 1));
    const closedAt = Date.now();
    await b2.close();
    await waitForCoverage([a], partitionsOf('leave-t', 2), () => true, 10_000);
    expect(Date.now() - closedAt).toBeLessThan(5000);
    await producer.send({ topic: 'leave-t', messages: [{ partition: 0, value: 'p0' }, { partition: 1, value: 'p1' }] });
    await waitFor(() => a.records.filter((r) => r.value === 'p0' || r.value === 'p1').length === 2, 10_000, 'a to read both partitions');
    await a.close();
  });

  it('a poll made while close() runs waits for the close, so a polling loop cannot starve it', async () => {
    await createTopic('close-poll-t', 1);
    const c = consumer({ 'group.id': 'close-poll-group' });
    c.subscribe(['close-poll-t']);
    await waitFor(async () => (await c.poll(100), c.assignment().length === 1), 10_000, 'the assignment');
    // An application's loop that keeps polling, unaware of the close: before the fix each poll during
    // the close resolved at once, the loop ran on promises alone and the close's LeaveGroup never got
    // its response (the event loop never turned). The cap keeps that failure a failure, not a hang.
    let polls = 0;
    let stopped = false;
    const loop = (async () => {
      while (!stopped && polls < 20_000) {
        try {
          await c.poll(100);
        } catch {
          break; // closed: ClientClosedError
        }
        polls++;
      }
    })();
    const started = Date.now();
    await c.close();
    stopped = true;
    await loop;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(polls).toBeLessThan(100);
    expect(() => c.poll(0)).toThrow(/already been closed/);
  });

  it('reports partitions as lost when the member was dropped for not polling', async () => {
    await createTopic('lost-t', 2);
    const events: string[] = [];
    const c = consumer({ 'group.id': 'lost-group', 'max.poll.interval.ms': 1000 });
    c.subscribe(['lost-t'], {
      onPartitionsAssigned: (p) => void events.push(`assigned ${names(p).join(',')}`),
      onPartitionsRevoked: (p) => void events.push(`revoked ${names(p).join(',')}`),
      onPartitionsLost: (p) => void events.push(`lost ${names(p).join(',')}`),
    });
    await waitFor(async () => (await c.poll(100), c.assignment().length === 2), 10_000, 'the assignment');
    const generation = c.groupMetadata().generationId;
    await new Promise((r) => setTimeout(r, 1800));
    await waitFor(async () => (await c.poll(100), c.assignment().length === 2 && c.groupMetadata().generationId > generation), 10_000, 'the rejoin');
    expect(events).toEqual(['assigned lost-t-0,lost-t-1', 'lost lost-t-0,lost-t-1', 'assigned lost-t-0,lost-t-1']);
  });

  it('subscribes to a pattern and picks up matching topics created later', async () => {
    await createTopic('rx-one', 1);
    await createTopic('other-topic', 1);
    const m = new Member('m', 'rx-group', /^rx-/, { 'metadata.max.age.ms': 300 });
    await waitForCoverage([m], ['rx-one-0']);
    expect(m.consumer.subscription()).toEqual(['rx-one']);
    await createTopic('rx-two', 2);
    await waitForCoverage([m], ['rx-one-0', 'rx-two-0', 'rx-two-1']);
    await producer.send({ topic: 'rx-two', messages: [{ partition: 1, value: 'found' }] });
    await waitFor(() => m.records.some((r) => r.topic === 'rx-two' && r.value === 'found'), 10_000, 'a record of the new topic');
    expect(m.consumer.subscription()).toEqual(['rx-one', 'rx-two']);
    await m.close();
  });
});

// --- records from other clients ----------------------------------------------------------------

describe('records produced by other clients', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('reads kcat (librdkafka) records compressed with %s byte-exact', async (codec) => {
    const topic = `kcat-${codec}`;
    await createTopic(topic, 2);
    const lines = Array.from({ length: 200 }, (_, i) => `key-${i}:value ${i} ünïcødé ${'z'.repeat(i % 50)}`);
    await run('/usr/bin/kcat', ['-b', b.bootstrap, '-P', '-t', topic, '-p', '1', '-K:', '-z', codec, '-H', 'origin=kcat', '-H', `codec=${codec}`], lines.join('\n') + '\n');
    const log = await stored(topic, 1);
    expect(log).toHaveLength(200);
    if (codec !== 'none') expect(log.some((r) => r.batch.compression !== 0)).toBe(true);
    const c = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': 'bytes' });
    c.assign([tp(topic, 1)]);
    const got = await pollUntil(c, 200);
    expect(got.map((r) => [r.offset, r.key, r.value, r.timestamp])).toEqual(log.map((r) => [r.offset, r.key, r.value, r.timestamp]));
    expect(got.map((r) => `${r.key}:${r.value}`)).toEqual(lines);
    expect(got.every((r) => r.headers.length === 2 && r.headers[0]!.key === 'origin' && r.headers[0]!.value!.toString() === 'kcat' && r.headers[1]!.value!.toString() === codec)).toBe(true);
  });

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('reads KafkaJS records compressed with %s byte-exact', async (name, compression) => {
    const topic = `kjs-${name}`;
    await createTopic(topic, 1);
    const t0 = 1_700_000_000_000;
    const messages = Array.from({ length: 150 }, (_, i) => ({
      key: i % 7 === 0 ? null : Buffer.from([i, 0, 255 - i]),
      value: i % 11 === 0 ? null : Buffer.concat([Buffer.from(`v${i}`), Buffer.alloc(i, i)]),
      timestamp: String(t0 + i * 17),
      headers: { a: Buffer.from([i]), 'b-header': `text-${i}` },
    }));
    await producer.send({ topic, compression, messages });
    const c = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': 'bytes', 'max.poll.records': 64 });
    c.assign([tp(topic, 0)]);
    const got = await pollUntil(c, 150);
    expect(got.map((r) => [r.offset, r.key, r.value, r.timestamp, r.timestampType])).toEqual(messages.map((m, i) => [i, m.key, m.value, t0 + i * 17, 'CreateTime']));
    expect(got.map((r) => r.headers.map((h) => [h.key, h.value]))).toEqual(messages.map((m) => [['a', m.headers.a], ['b-header', Buffer.from(m.headers['b-header'])]]));
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])("reads samsa's own producer's %s records: keys, values, headers, timestamps, JSON both ways", async (codec) => {
    const topic = `samsa-${codec}`;
    await createTopic(topic, 3);
    const p = new SamsaProducer({ 'bootstrap.servers': b.bootstrap, 'compression.type': codec, 'key.serializer': 'string', 'value.serializer': 'json', 'linger.ms': 10 });
    const t0 = 1_650_000_000_000;
    const sent = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        p.send({ topic, key: `user-${i % 10}`, value: { n: i, tags: ['a', i % 2 ? 'odd' : 'even'] }, timestamp: t0 + i, headers: { trace: `t${i}`, empty: null } }),
      ),
    );
    await p.close();
    const c = consumer<string, { n: number; tags: string[] }>({ 'key.deserializer': 'string', 'value.deserializer': 'json' });
    c.assign([tp(topic, 0), tp(topic, 1), tp(topic, 2)]);
    const got = await pollUntil(c, 120);
    const byN = new Map(got.map((r) => [r.value.n, r]));
    expect(byN.size).toBe(120);
    for (let i = 0; i < 120; i++) {
      const r = byN.get(i)!;
      expect([r.partition, r.offset]).toEqual([sent[i]!.partition, sent[i]!.offset]);
      expect([r.key, r.value, r.timestamp]).toEqual([`user-${i % 10}`, { n: i, tags: ['a', i % 2 ? 'odd' : 'even'] }, t0 + i]);
      expect(r.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([['trace', `t${i}`], ['empty', null]]);
    }
    // Same key, same partition.
    for (const key of new Set(got.map((r) => r.key))) expect(new Set(got.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1);
  });

  it('reads what KafkaJS consumers read, as a group sharing offsets with a KafkaJS consumer', async () => {
    await createTopic('kjs-shared', 1);
    await producer.send({ topic: 'kjs-shared', messages: Array.from({ length: 10 }, (_, i) => ({ value: `s${i}` })) });
    // KafkaJS commits after reading the first five…
    const kc = kafka.consumer({ groupId: 'shared-group' });
    await kc.connect();
    await kc.subscribe({ topic: 'kjs-shared', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void kc.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (seen.length >= 5) return;
          seen.push(message.value!.toString());
          if (seen.length === 5) {
            await kc.commitOffsets([{ topic: 'kjs-shared', partition: 0, offset: message.offset === '4' ? '5' : String(Number(message.offset) + 1) }]);
            resolve();
          }
        },
      });
    });
    await kc.disconnect();
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4']);
    // …and samsa's consumer in the same group goes on from there.
    const c = consumer({ 'group.id': 'shared-group' });
    c.subscribe(['kjs-shared']);
    expect((await pollUntil(c, 5)).map((r) => r.value)).toEqual(['s5', 's6', 's7', 's8', 's9']);
  });
});

// --- the README --------------------------------------------------------------------------------

it("runs the README's consumer example as written (against the test's broker)", async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const clients = readme.slice(readme.indexOf('## Clients'));
  const code = /```js\n(import \{ Consumer \} from 'samsa';[\s\S]*?)```/.exec(clients)?.[1];
  expect(code).toBeDefined();
  await createTopic('orders', 3);
  await producer.send({
    topic: 'orders',
    messages: [
      { partition: 0, key: 'order-1', value: JSON.stringify({ total: 42 }) },
      { partition: 2, key: 'order-2', value: JSON.stringify({ total: 7 }) },
      { partition: 2, key: 'order-3', value: JSON.stringify({ total: 1 }) },
    ],
  });
  // A scratch folder inside the package, so 'samsa' resolves to it by self-reference.
  const cwd = mkdtempSync(join(root, 'dist', 'readme-consumer-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'example.mjs'), code!.replaceAll('localhost:9092', b.bootstrap));
  const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['example.mjs'], { cwd, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => resolve({ status: error ? ((error as any).code ?? 1) : 0, stdout, stderr }));
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('assigned orders-0, orders-1, orders-2\norder-1: 42, order-2: 7, order-3: 1\n');
  // It committed what it read, and left the group.
  const check = consumer({ 'group.id': 'billing', 'enable.auto.commit': false });
  expect((await check.committed([tp('orders', 0), tp('orders', 1), tp('orders', 2)])).map((o) => o.offset)).toEqual([1, 0, 2]);
});
