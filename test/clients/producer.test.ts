import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/free-port.js';
import { CompressionType } from '../../codecs/index.js';
import {
  ClientClosedError,
  ClientConfigError,
  InvalidTopicError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
} from '../../src/clients/network/errors.js';
import { murmur2, partitionForKey } from '../../src/clients/producer/murmur2.js';
import { RoundRobinPartitioner } from '../../src/clients/producer/partitioner.js';
import { Producer } from '../../src/clients/producer/producer.js';
import type { ProducerRecord, RecordMetadata } from '../../src/clients/producer/producer-record.js';
import { readAllRecords } from '../../storage/record/record.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { Cleanup } from '../cleanup.js';
import { expectRejected, expectThrown } from '../errors.js';
import { waitFor } from '../wait-for.js';

let b: TestBroker;
let topicNumber = 0;

async function newTopic(partitions = 1, configs: Record<string, string> = {}, broker = b): Promise<string> {
  const name = `producer-${++topicNumber}`;
  await broker.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs });
  return name;
}

/** The batches and records stored in a partition, read from the log and validated through storage/record. */
async function stored(topic: string, partition = 0, broker = b) {
  const log = broker.broker.context.replicas.getPartition(topic, partition)!.log;
  const batches = validateBatches((await log.read(0, 1 << 22)).bytes);
  return { batches, records: batches.flatMap((batch) => readAllRecords(batch)) };
}

beforeAll(async () => {
  b = await startBroker();
});
afterAll(async () => {
  await b.stop();
});

// A test's own brokers, producers and proxy are stopped when it ends, whatever happened.
const cleanup = new Cleanup();
afterEach(() => cleanup.stopAll());
const ownBroker = async (...args: Parameters<typeof startBroker>) => cleanup.add(await startBroker(...args), (broker) => broker.stop());
const closedAfter = <P extends { close(timeoutMs?: number): Promise<void> }>(producer: P) => cleanup.add(producer, (p) => p.close(0));

describe('Producer: sending', () => {
  it('sends fire-and-forget, awaited and with a callback', async () => {
    const topic = await newTopic();
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap }));
    producer.send({ topic, value: 'fire-and-forget' });
    const beforeSend = Date.now();
    const awaited = await producer.send({ topic, key: 'k', value: 'awaited' });
    const afterAck = Date.now();
    const viaCallback = await new Promise<RecordMetadata>((resolve, reject) =>
      producer.send({ topic, value: Buffer.from('callback') }, (error, metadata) => (error ? reject(error) : resolve(metadata!))),
    );
    expect(awaited).toMatchObject({ topic, partition: 0, offset: 1 });
    expect(viaCallback).toMatchObject({ topic, partition: 0, offset: 2 });
    // CreateTime, taken by send() from the clock.
    expect(awaited.timestamp).toBeGreaterThanOrEqual(beforeSend);
    expect(awaited.timestamp).toBeLessThanOrEqual(afterAck);
    // A future awaited after it completed still resolves to its metadata.
    const late = producer.send({ topic, value: 'late', timestamp: 1_700_000_000_000 });
    await producer.flush();
    expect(await late).toEqual({ topic, partition: 0, offset: 3, timestamp: 1_700_000_000_000 });
    await producer.close();
    const { records } = await stored(topic);
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value!.toString(), r.timestamp === 1_700_000_000_000])).toEqual([
      [0, null, 'fire-and-forget', false],
      [1, 'k', 'awaited', false],
      [2, null, 'callback', false],
      [3, null, 'late', true],
    ]);
  });

  it('runs the callbacks of each partition in send order, across many batches', async () => {
    const topic = await newTopic(3);
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'batch.size': 1024, 'linger.ms': 2 }));
    const order = new Map<number, number[]>([
      [0, []],
      [1, []],
      [2, []],
    ]);
    const offsets = new Map<number, number[]>([
      [0, []],
      [1, []],
      [2, []],
    ]);
    const futures: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 3000; i++) {
      const partition = i % 3;
      const f = producer.send({ topic, partition, value: `v${i} ${'x'.repeat(i % 40)}` }, (error, m) => {
        expect(error).toBeNull();
        order.get(partition)!.push(i);
        offsets.get(partition)!.push(m!.offset);
      });
      if (i % 7 === 0) futures.push(f);
    }
    await Promise.all(futures);
    await producer.flush();
    for (let p = 0; p < 3; p++) {
      const sent = Array.from({ length: 1000 }, (_, k) => k * 3 + p);
      expect(order.get(p)).toEqual(sent);
      expect(offsets.get(p)).toEqual(Array.from({ length: 1000 }, (_, k) => k));
      const { batches, records } = await stored(topic, p);
      expect(batches.length).toBeGreaterThan(10); // 1 KiB batches: many of them
      expect(records.map((r) => r.value!.toString())).toEqual(sent.map((i) => `v${i} ${'x'.repeat(i % 40)}`));
    }
    await producer.close();
  });

  it.each([
    ['0', -1],
    ['1', 0],
    ['all', 0],
    [-1, 0],
  ])('acks=%s', async (acks, firstOffset) => {
    const topic = await newTopic();
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, acks: acks as any }));
    const metadata = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, value: `r${i}` })));
    expect(metadata[0]!.offset).toBe(firstOffset);
    expect(metadata.map((m) => m.offset)).toEqual(firstOffset < 0 ? Array(50).fill(-1) : Array.from({ length: 50 }, (_, i) => i));
    await producer.close();
    // With acks=0 the broker does not answer; the records are stored all the same (soon after they were written).
    await waitFor(async () => (await stored(topic)).records.length >= 50, 'the broker to store the 50 records');
    const { records } = await stored(topic);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'compression.type=%s: stored batches carry the codec and decode to the records sent',
    async (codec) => {
      const topic = await newTopic();
      const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'compression.type': codec, 'linger.ms': 20 }));
      const values = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, text: 'the quick brown fox '.repeat(1 + (i % 5)) }));
      const sent = values.map((value, i) => producer.send({ topic, key: `key-${i}`, value, headers: { n: String(i), bin: Buffer.from([i & 0xff, 0]) } }));
      await Promise.all(sent);
      await producer.close();
      const { batches, records } = await stored(topic);
      const expected = CompressionType[codec === 'none' ? 'None' : ((codec[0]!.toUpperCase() + codec.slice(1)) as 'Gzip')];
      expect(batches.every((batch) => batch.compression === expected)).toBe(true);
      if (codec !== 'none') expect(batches.reduce((n, batch) => n + batch.sizeInBytes, 0)).toBeLessThan(values.join('').length / 2);
      expect(records.map((r) => [r.key!.toString(), r.value!.toString(), r.headers.map((h) => [h.key, h.value!.toString('hex')])])).toEqual(
        values.map((v, i) => [
          `key-${i}`,
          v,
          [
            ['n', Buffer.from(String(i)).toString('hex')],
            ['bin', Buffer.from([i & 0xff, 0]).toString('hex')],
          ],
        ]),
      );
    },
  );

  it('serializers: string, bytes, json and functions; a bad value fails with SerializationError', async () => {
    const topic = await newTopic();
    const json = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'key.serializer': 'string', 'value.serializer': 'json' }));
    await json.send({ topic, key: 'a', value: { x: [1, 2], y: 'é' } });
    await json.send({ topic, key: 'tombstone', value: null });
    const error = await json.send({ topic, key: 42 as any, value: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/StringSerializer: expected a string for topic producer-\d+, got number/);
    await json.close();
    const fn = closedAfter(
      new Producer<number, number>({
        'bootstrap.servers': b.bootstrap,
        'key.serializer': (_t, n: number) => Buffer.from([n]),
        'value.serializer': { serialize: (_t: string, n: number) => `n=${n}` },
      }),
    );
    await fn.send({ topic, key: 7, value: 8 });
    await fn.close();
    const bytes = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'value.serializer': 'bytes' }));
    await expectRejected(
      bytes.send({ topic, value: 'a string' }),
      SerializationError,
      { retriable: false },
      /BytesSerializer: expected a Buffer or Uint8Array/,
    );
    await bytes.close();
    const { records } = await stored(topic);
    expect(records.map((r) => [r.key?.toString('hex'), r.value?.toString() ?? null])).toEqual([
      [Buffer.from('a').toString('hex'), '{"x":[1,2],"y":"é"}'],
      [Buffer.from('tombstone').toString('hex'), null],
      ['07', 'n=8'],
    ]);
  });

  it('keyed records go to toPositive(murmur2(key)) % partitions; records without a key stick to a partition per batch (KIP-480)', async () => {
    // Values from the Java client's Utils.murmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
    expect(murmur2(Buffer.from([]))).toBe(275646681);
    const topic = await newTopic(4);
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'batch.size': 2000, 'linger.ms': 50 }));
    const keyed = await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ topic, key: `user-${i}`, value: 'v' })));
    expect(keyed.map((m) => m.partition)).toEqual(Array.from({ length: 40 }, (_, i) => partitionForKey(Buffer.from(`user-${i}`), 4)));
    // 2000-byte batches of ~115-byte records: 17 records per batch, each batch one partition.
    const unkeyed = await Promise.all(Array.from({ length: 170 }, () => producer.send({ topic, value: 'u'.repeat(100) })));
    await producer.close();
    const runs: number[] = [];
    for (const m of unkeyed) if (runs.length === 0 || runs[runs.length - 1] !== m.partition) runs.push(m.partition);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.length).toBeLessThanOrEqual(12);
    expect(new Set(unkeyed.map((m) => m.partition)).size).toBeGreaterThan(1);
    // An explicit partition wins over the key.
    const explicit = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'partitioner.class': RoundRobinPartitioner }));
    expect((await explicit.send({ topic, partition: 3, key: 'user-0', value: 'x' })).partition).toBe(3);
    const rr = await Promise.all(Array.from({ length: 8 }, () => explicit.send({ topic, value: 'rr' })));
    expect(rr.map((m) => m.partition)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    await explicit.close();
  });

  it('interceptors see every record before serialization and every acknowledgement before the callback', async () => {
    const topic = await newTopic();
    const events: string[] = [];
    const producer = closedAfter(
      new Producer({
        'bootstrap.servers': b.bootstrap,
        'max.request.size': 2000,
        'interceptor.classes': [
          {
            onSend: (r: ProducerRecord) => {
              events.push(`onSend ${r.value}`);
              return { ...r, value: `${r.value}!`, headers: { intercepted: 'yes' } };
            },
            onAcknowledgement: (m: RecordMetadata, e: Error | null) => events.push(`ack ${m.topic}/${m.partition}@${m.offset}${e ? ` ${e.name}` : ''}`),
          },
          {
            onSend: () => {
              throw new Error('a broken interceptor is skipped');
            },
          },
        ],
      }),
    );
    await producer.send({ topic, value: 'a' }, () => events.push('callback a'));
    await producer.send({ topic, value: 'b' }, () => events.push('callback b'));
    await producer.send({ topic, value: 'x'.repeat(3000) }, () => events.push('callback big')).catch(() => undefined);
    await producer.close();
    expect(events).toEqual([
      'onSend a',
      `ack ${topic}/0@0`,
      'callback a',
      'onSend b',
      `ack ${topic}/0@1`,
      'callback b',
      `onSend ${'x'.repeat(3000)}`,
      `ack ${topic}/-1@-1 RecordTooLargeError`,
      'callback big',
    ]);
    const { records } = await stored(topic);
    expect(records.map((r) => [r.value!.toString(), r.headers[0]!.key, r.headers[0]!.value!.toString()])).toEqual([
      ['a!', 'intercepted', 'yes'],
      ['b!', 'intercepted', 'yes'],
    ]);
  });
});

describe('Producer: errors, limits and close', () => {
  it('fails non-retriable errors at once: a record above the topic max.message.bytes, an invalid topic, above max.request.size', async () => {
    const topic = await newTopic(1, { 'max.message.bytes': '1000' });
    // At once, not retried: a retried error would fail only when delivery.timeout.ms (120 s) expired,
    // as a TimeoutError, long after this test's own timeout.
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'max.request.size': 100_000 }));
    await producer.send({ topic, value: 'small' });
    const tooLarge = await producer.send({ topic, value: 'x'.repeat(2000) }).catch((e) => e);
    expect(tooLarge).toBeInstanceOf(RecordTooLargeError);
    expect(tooLarge.code).toBe('MESSAGE_TOO_LARGE');
    expect(tooLarge.retriable).toBe(false);
    // Many small records together above the limit are split and retried in halves until they fit.
    const small = await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ topic, value: `${i}`.padStart(60, '0') })));
    expect(small.map((m) => m.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const invalid = await producer.send({ topic: 'not a valid topic!', value: 'x' }).catch((e) => e);
    expect(invalid).toBeInstanceOf(InvalidTopicError);
    expect(invalid.retriable).toBe(false);
    const local = await producer.send({ topic, value: 'y'.repeat(200_000) }).catch((e) => e);
    expect(local).toBeInstanceOf(RecordTooLargeError);
    expect(local.message).toMatch(
      /The message is 2000\d\d bytes when serialized which is larger than 100000, which is the value of the max.request.size configuration/,
    );
    await producer.close();
    const { records } = await stored(topic);
    expect(records.length).toBe(41);
  });

  it('refuses bad configuration', () => {
    expectThrown(() => new Producer({ 'bootstrap.servers': b.bootstrap, acks: '2' as any }), ClientConfigError, {}, /expected one of all, -1, 0, 1/);
    expect(() => new Producer({ 'bootstrap.servers': b.bootstrap, 'compression.type': 'brotli' as any })).toThrow(ClientConfigError);
    // Idempotence asked for explicitly refuses what would break it; left at its default it gives way.
    expectThrown(
      () => new Producer({ 'bootstrap.servers': b.bootstrap, 'enable.idempotence': true, acks: 1 }),
      ClientConfigError,
      {},
      /Must set acks to all in order to use the idempotent producer/,
    );
    expectThrown(
      () => new Producer({ 'bootstrap.servers': b.bootstrap, 'enable.idempotence': 'true', retries: 0 }),
      ClientConfigError,
      {},
      /Must set retries to non-zero when using the idempotent producer/,
    );
    expectThrown(
      () => new Producer({ 'bootstrap.servers': b.bootstrap, 'enable.idempotence': true, 'max.in.flight.requests.per.connection': 6 }),
      ClientConfigError,
      {},
      /Must set max.in.flight.requests.per.connection to at most 5/,
    );
    expect(closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, acks: 1 })).config['enable.idempotence']).toBe(false);
    expect(closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap })).config['enable.idempotence']).toBe(true);
    expectThrown(
      () => new Producer({ 'bootstrap.servers': b.bootstrap, 'enable.idempotency': true } as any),
      ClientConfigError,
      {},
      /unknown producer configuration 'enable.idempotency'/,
    );
    expectThrown(
      () => new Producer({ 'bootstrap.servers': b.bootstrap, 'delivery.timeout.ms': 1000 }),
      ClientConfigError,
      {},
      /delivery.timeout.ms should be equal to or larger than linger.ms \+ request.timeout.ms/,
    );
  });

  it('flush() sends at once what linger.ms would hold; close() sends everything pending first', async () => {
    const topic = await newTopic();
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'linger.ms': 60_000, 'delivery.timeout.ms': 200_000 }));
    await producer.partitionsFor(topic);
    let acked = 0;
    for (let i = 0; i < 100; i++) producer.send({ topic, value: `f${i}` }, () => acked++);
    // Not a synchronisation: a window in which a producer ignoring linger.ms would have sent them.
    await new Promise((r) => setTimeout(r, 200));
    expect(acked).toBe(0);
    expect(b.broker.context.replicas.getPartition(topic, 0)!.log.logEndOffset).toBe(0);
    await producer.flush(); // without it the records would wait out linger.ms (60 s), past this test's timeout
    expect(acked).toBe(100);
    for (let i = 0; i < 50; i++) producer.send({ topic, value: `c${i}` }, () => acked++);
    await producer.close();
    expect(acked).toBe(150);
    expect((await stored(topic)).records.length).toBe(150);
    const afterClose = await producer.send({ topic, value: 'late' }).catch((e) => e);
    expect(afterClose).toBeInstanceOf(ClientClosedError);
  });

  it('close(timeout) fails what is still pending with a clear error once the timeout passes', async () => {
    const port = await freePort();
    const own = await ownBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` });
    const topic = await newTopic(1, {}, own);
    const producer = closedAfter(new Producer({ 'bootstrap.servers': own.bootstrap, 'linger.ms': 0 }));
    await producer.send({ topic, value: 'before' });
    await own.stop();
    const errors: Error[] = [];
    const pending = Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `lost ${i}` }, (e) => errors.push(e!)));
    await producer.close(500);
    // The timeout fired: what was pending failed with the error saying so.
    const results = await Promise.allSettled(pending);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ClientClosedError)).toBe(true);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe(
      'Producer is closed forcefully: the record was still pending when close(500 ms) timed out',
    );
    expect(errors.length).toBe(10);
  });

  it('retries across a broker restart: every record is acknowledged once, in order', async () => {
    const port = await freePort();
    let own = await ownBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` });
    const topic = await newTopic(2, {}, own);
    const producer = closedAfter(
      new Producer({
        'bootstrap.servers': own.bootstrap,
        'linger.ms': 1,
        'retry.backoff.ms': 50,
        'reconnect.backoff.ms': 20,
        'reconnect.backoff.max.ms': 200,
        'request.timeout.ms': 5000,
        'delivery.timeout.ms': 30_000,
      }),
    );
    const results: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 200; i++) results.push(producer.send({ topic, partition: i % 2, value: `before ${i}` }));
    await Promise.all(results);
    // The broker stops; records sent while it is down meet refused connections and are retried
    // (with backoff) until it is back on the same port and log dir.
    const dir = own.dir;
    await own.stop(true);
    let restarting = false;
    const ackedWhileRestarting: boolean[] = [];
    for (let i = 0; i < 60; i++) {
      results.push(producer.send({ topic, partition: i % 2, value: `during ${i}` }, () => ackedWhileRestarting.push(restarting)));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 30)); // pacing: later sends meet retries already backing off
    }
    restarting = true;
    own = await ownBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` }, dir);
    for (let i = 0; i < 200; i++) results.push(producer.send({ topic, partition: i % 2, value: `after ${i}` }));
    const metadata = await Promise.all(results);
    await producer.close();
    // Every record sent while the broker was down was acknowledged by the restarted one.
    expect(ackedWhileRestarting).toEqual(Array(60).fill(true));
    for (const p of [0, 1]) {
      const offsets = metadata.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual(Array.from({ length: 230 }, (_, i) => i));
      const { records } = await stored(topic, p, own);
      const expected = [
        ...Array.from({ length: 100 }, (_, i) => `before ${i * 2 + p}`),
        ...Array.from({ length: 30 }, (_, i) => `during ${i * 2 + p}`),
        ...Array.from({ length: 100 }, (_, i) => `after ${i * 2 + p}`),
      ];
      expect(records.map((r) => r.value!.toString())).toEqual(expected);
    }
    await own.stop();
  });

  it('connections dropped under requests in flight: the batches are retried, written once (idempotence), and every callback still runs in send order', async () => {
    // The broker advertises a proxy, so every connection of the producer goes through it and can be cut.
    const proxyPort = await freePort();
    const own = await ownBroker({ listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` });
    const sockets = new Set<import('node:net').Socket>();
    const { connect } = await import('node:net');
    let accepted = 0;
    const proxy = createServer((client) => {
      accepted++;
      const upstream = connect(own.port, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    cleanup.add(proxy, (server) => {
      for (const socket of sockets) socket.destroy();
      server.close();
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', () => r()));
    const topic = await newTopic(2, {}, own);
    const producer = closedAfter(
      new Producer({ 'bootstrap.servers': `127.0.0.1:${proxyPort}`, 'batch.size': 1500, 'linger.ms': 1, 'retry.backoff.ms': 20, 'reconnect.backoff.ms': 10 }),
    );
    await producer.partitionsFor(topic);
    const order: number[][] = [[], []];
    const futures: Array<Promise<RecordMetadata>> = [];
    let drops = 0;
    let acceptedAtDrop = 0;
    for (let i = 0; i < 3000; i++) {
      futures.push(producer.send({ topic, partition: i % 2, value: `v${i}` }, (error) => (error ? undefined : order[i % 2]!.push(i))));
      if (i % 300 === 299) {
        // Once the producer has connected since the last drop, let the sender write its requests, then cut them off.
        await waitFor(() => accepted > acceptedAtDrop, 'the producer to connect (again) through the proxy');
        await new Promise((r) => setImmediate(r));
        for (const s of sockets) s.destroy();
        acceptedAtDrop = accepted;
        drops++;
      }
    }
    const acked = await Promise.all(futures);
    await producer.close();
    expect(drops).toBe(10);
    expect(accepted).toBeGreaterThanOrEqual(10); // the producer reconnected after the drops
    for (const p of [0, 1]) {
      const sent = Array.from({ length: 1500 }, (_, k) => k * 2 + p);
      expect(order[p]).toEqual(sent);
      // Exactly once: a batch the broker appended before its connection dropped is recognised by its
      // producer id and sequence when retried, and answered with the offsets it got the first time.
      const { batches, records } = await stored(topic, p, own);
      expect(records.map((r) => r.value!.toString())).toEqual(sent.map((i) => `v${i}`));
      expect(sent.map((i) => acked[i]!.offset)).toEqual(sent.map((_, k) => k));
      expect(new Set(batches.map((batch) => batch.producerId)).size).toBe(1);
      expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0);
      expect(batches.map((batch) => batch.baseSequence)).toEqual(batches.map((batch) => batch.baseOffset));
    }
    proxy.close();
    await own.stop();
  });

  it('buffer.memory: send() waits for memory up to max.block.ms, then fails with a TimeoutError', async () => {
    const topic = await newTopic(4);
    // Room for two 16 KiB batches: sends wait for memory while batches are sent, and all get through (max.block.ms
    // generous: every send's wait starts at once, and on a loaded machine 2,000 records can take seconds).
    const producer = closedAfter(
      new Producer({ 'bootstrap.servers': b.bootstrap, 'buffer.memory': 40_000, 'batch.size': 16_384, 'linger.ms': 100, 'max.block.ms': 60_000 }),
    );
    const all = await Promise.all(Array.from({ length: 2000 }, (_, i) => producer.send({ topic, partition: i % 4, value: 'm'.repeat(100) })));
    expect(all.filter((m) => m.offset >= 0).length).toBe(2000);
    await producer.close();

    // With the broker gone, memory is never given back: the third partition's batch waits max.block.ms.
    const port = await freePort();
    const own = await ownBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` });
    const t = await newTopic(3, {}, own);
    const blocked = closedAfter(
      new Producer({
        'bootstrap.servers': own.bootstrap,
        'buffer.memory': 40_000,
        'batch.size': 16_384,
        'max.block.ms': 300,
        'linger.ms': 0,
        'delivery.timeout.ms': 31_000,
      }),
    );
    await blocked.send({ topic: t, partition: 0, value: 'warm' });
    await own.stop();
    const first = blocked.send({ topic: t, partition: 0, value: 'a' });
    const second = blocked.send({ topic: t, partition: 1, value: 'b' });
    const third = await blocked.send({ topic: t, partition: 2, value: 'c' }).catch((e) => e);
    expect(third).toBeInstanceOf(TimeoutError);
    expect(third.retriable).toBe(true);
    expect(third.message).toMatch(
      /^Failed to allocate 16384 bytes within the configured max blocking time 300 ms\. Total memory: 40000 bytes\. Available memory: 7232 bytes\.$/,
    );
    await blocked.close(0);
    await expect(first).rejects.toBeInstanceOf(ClientClosedError);
    await expect(second).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('delivery.timeout.ms bounds retries: records to an unreachable broker expire with a TimeoutError', async () => {
    const port = await freePort();
    const own = await ownBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` });
    const topic = await newTopic(1, {}, own);
    const producer = closedAfter(
      new Producer({ 'bootstrap.servers': own.bootstrap, 'linger.ms': 0, 'request.timeout.ms': 500, 'delivery.timeout.ms': 1500, 'retry.backoff.ms': 50 }),
    );
    await producer.send({ topic, value: 'ok' });
    await own.stop();
    const error = await producer.send({ topic, value: 'expires' }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const expiry = new RegExp(`^Expiring 1 record\\(s\\) for ${topic}-0: (\\d+) ms has passed since batch creation`).exec(error.message);
    expect(expiry, error.message).not.toBeNull();
    // Expired by the producer's own clock once delivery.timeout.ms had passed, not before.
    expect(Number(expiry![1])).toBeGreaterThanOrEqual(1500);
    await producer.close(0);
  });

  it('waits max.block.ms for a topic that does not appear', async () => {
    const own = await ownBroker({ 'auto.create.topics.enable': false });
    const producer = closedAfter(new Producer({ 'bootstrap.servers': own.bootstrap, 'max.block.ms': 300 }));
    const error = await producer.send({ topic: 'never-there', value: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/^Topic never-there not present in metadata after 300 ms/);
    const topic = await newTopic(2, {}, own);
    const beyond = await producer.send({ topic, partition: 5, value: 'x' }).catch((e) => e);
    expect(beyond).toBeInstanceOf(TimeoutError);
    expect(beyond.message).toBe(`Partition 5 of topic ${topic} with partition count 2 is not present in metadata after 300 ms.`);
    await producer.close();
    await own.stop();
  });
});
