import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { ClientConfigError, TimeoutError } from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import type { ProducerConfigInput } from '../../src/clients/producer/producer-config.js';
import type { RecordMetadata } from '../../src/clients/producer/producer-record.js';
import { readAllRecords } from '../../storage/record/record.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { type BrokerProcess, startBrokerProcess } from '../broker/broker-process.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { Cleanup } from '../cleanup.js';
import { freePort } from '../cluster/zookeeper-server.js';
import { expectRejected, expectThrown } from '../errors.js';
import { waitFor } from '../wait-for.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

let b: TestBroker;
let topicNumber = 0;
const cleanup = new Cleanup();

beforeAll(async () => {
  b = await startBroker();
});
afterAll(async () => {
  await b.stop();
});
afterEach(() => cleanup.stopAll());

const closedAfter = (producer: Producer) => cleanup.add(producer, (p) => p.close(0));

async function newTopic(broker: TestBroker, partitions = 1): Promise<string> {
  const name = `idempotent-${++topicNumber}`;
  await broker.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: {} });
  return name;
}

/** The batches stored in a partition of an in-process broker. */
async function storedBatches(broker: TestBroker, topic: string, partition: number): Promise<RecordBatchView[]> {
  const log = broker.broker.context.replicas.getPartition(topic, partition)!.log;
  return validateBatches((await log.read(0, 1 << 24)).bytes);
}

const values = (batches: readonly RecordBatchView[]) => batches.flatMap((batch) => readAllRecords(batch).map((r) => r.value!.toString()));

/** The segment files of a partition in a stopped broker's log dir, oldest first. */
function segmentFiles(dir: string, topic: string, partition: number): string[] {
  const partitionDir = join(dir, `${topic}-${partition}`);
  return readdirSync(partitionDir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(partitionDir, f));
}

function batchesInDir(dir: string, topic: string, partition: number): RecordBatchView[] {
  return segmentFiles(dir, topic, partition).flatMap((file) => validateBatches(readFileSync(file)));
}

/** A broker whose listener advertises a fault proxy in front of it, so every client connection can be cut. */
async function brokerBehindProxy(): Promise<{ broker: TestBroker; proxy: FaultProxy }> {
  const proxyPort = await freePort();
  const broker = cleanup.add(await startBroker({ listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` }), (x) =>
    x.stop(),
  );
  const proxy = cleanup.add(await startFaultProxy(broker.port, proxyPort), (p) => p.close());
  return { broker, proxy };
}

describe('idempotence: configuration (Kafka 3.x rules)', () => {
  it('is on by default with acks=all; conflicting settings are errors when it is asked for and turn it off when it is not', () => {
    const bootstrap = b.bootstrap;
    const config = (settings: Partial<ProducerConfigInput>) => new Producer({ 'bootstrap.servers': bootstrap, ...settings }).config;
    const defaults = config({});
    expect(defaults['enable.idempotence']).toBe(true);
    expect(defaults.acks).toBe(-1);
    expect(defaults['max.in.flight.requests.per.connection']).toBe(5);
    expect(defaults['transactional.id']).toBeNull();
    expect(defaults['transaction.timeout.ms']).toBe(60_000);
    // Not asked for: idempotence yields to the conflicting setting.
    expect(config({ acks: '1' })['enable.idempotence']).toBe(false);
    expect(config({ retries: 0 })['enable.idempotence']).toBe(false);
    expect(config({ 'max.in.flight.requests.per.connection': 6 })['enable.idempotence']).toBe(false);
    expect(config({ 'enable.idempotence': 'false' })['enable.idempotence']).toBe(false);
    // Asked for: the conflict is the user's mistake.
    expectThrown(
      () => config({ 'enable.idempotence': true, acks: 1 }),
      ClientConfigError,
      {},
      'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.',
    );
    expectThrown(
      () => config({ 'enable.idempotence': 'true', retries: 0 }),
      ClientConfigError,
      {},
      'Must set retries to non-zero when using the idempotent producer.',
    );
    expectThrown(
      () => config({ 'enable.idempotence': true, 'max.in.flight.requests.per.connection': 6 }),
      ClientConfigError,
      {},
      'Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.',
    );
    expectThrown(
      () => config({ 'transactional.id': 'tx', acks: '1' }),
      ClientConfigError,
      {},
      'Cannot set a transactional.id without also enabling idempotence.',
    );
    expectThrown(
      () => config({ 'transactional.id': 'tx', 'enable.idempotence': false }),
      ClientConfigError,
      {},
      'Cannot set a transactional.id without also enabling idempotence.',
    );
    expectThrown(() => config({ 'transactional.id': '' }), ClientConfigError, {}, /transactional.id.*String must be non-empty/);
    expect(config({ 'transactional.id': 'tx' })['client.id']).toBe('producer-tx');
  });
});

describe('idempotent producer against a broker', () => {
  it('gives every batch the producer id, epoch 0 and the partition’s next sequences; without idempotence batches carry none', async () => {
    const topic = await newTopic(b, 2);
    const producer = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, 'batch.size': 400, 'linger.ms': 1 }));
    await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic, partition: i % 2, value: `r${i}` })));
    await producer.close();
    const ids = new Set<number>();
    for (const partition of [0, 1]) {
      const batches = await storedBatches(b, topic, partition);
      expect(batches.length).toBeGreaterThan(3);
      let next = 0;
      for (const batch of batches) {
        ids.add(batch.producerId);
        expect(batch.producerEpoch).toBe(0);
        expect(batch.isTransactional).toBe(false);
        expect(batch.baseSequence).toBe(next);
        next = batch.lastSequence + 1;
      }
      expect(next).toBe(150);
    }
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeGreaterThanOrEqual(0);

    const plain = closedAfter(new Producer({ 'bootstrap.servers': b.bootstrap, acks: '1' }));
    await plain.send({ topic, partition: 0, value: 'plain' });
    const last = (await storedBatches(b, topic, 0)).at(-1)!;
    expect([last.producerId, last.producerEpoch, last.baseSequence]).toEqual([-1, -1, -1]);
  });

  it('answers lost after the broker appended (and a lost InitProducerId answer): each retried batch is written once, in order; without idempotence the same faults write duplicates', async () => {
    for (const idempotent of [true, false]) {
      const { broker, proxy } = await brokerBehindProxy();
      const topic = await newTopic(broker, 2);
      // The first producer id the broker hands out never reaches the producer: it asks again.
      if (idempotent) proxy.dropResponses(Api.InitProducerId.key);
      const producer = closedAfter(
        new Producer({
          'bootstrap.servers': `127.0.0.1:${proxy.port}`,
          'enable.idempotence': idempotent,
          ...(idempotent ? {} : { acks: 'all' }),
          'batch.size': 1500,
          'linger.ms': 1,
          'retry.backoff.ms': 20,
          'reconnect.backoff.ms': 10,
        }),
      );
      const order: number[][] = [[], []];
      const offsets: number[][] = [[], []];
      const futures: Array<Promise<RecordMetadata>> = [];
      for (let i = 0; i < 3000; i++) {
        futures.push(
          producer.send({ topic, partition: i % 2, value: `v${i}` }, (error, m) => {
            if (error) return;
            order[i % 2]!.push(i);
            offsets[i % 2]!.push(m!.offset);
          }),
        );
        if (i % 500 === 250) {
          // The next Produce answer is lost after the broker appended its batches.
          const before = proxy.dropped(Api.Produce.key);
          proxy.dropResponses(Api.Produce.key);
          await waitFor(() => proxy.dropped(Api.Produce.key) > before, 'a Produce answer to be lost');
        }
      }
      await Promise.all(futures);
      await producer.close();
      expect(proxy.dropped(Api.Produce.key)).toBe(6);
      if (idempotent) expect(proxy.dropped(Api.InitProducerId.key)).toBe(1);
      for (const p of [0, 1]) {
        const sent = Array.from({ length: 1500 }, (_, k) => k * 2 + p);
        expect(order[p]).toEqual(sent);
        const stored = values(await storedBatches(broker, topic, p));
        if (idempotent) {
          // Exactly once: a retried batch is answered with the offsets of its first write.
          expect(stored).toEqual(sent.map((i) => `v${i}`));
          expect(offsets[p]).toEqual(sent.map((_, k) => k));
        } else {
          // At least once: the retries of the batches whose answers were lost are stored again.
          expect([...new Set(stored)]).toEqual(sent.map((i) => `v${i}`));
          expect(stored.length).toBeGreaterThan(sent.length);
        }
      }
      const totalStored = (await storedBatches(broker, topic, 0)).length + (await storedBatches(broker, topic, 1)).length;
      expect(totalStored).toBeGreaterThan(0);
    }
  });

  it('a batch sent and then expired leaves its sequences unresolved: the next one goes out under a bumped epoch from sequence 0', async () => {
    const { broker, proxy } = await brokerBehindProxy();
    const topic = await newTopic(broker);
    const producer = closedAfter(
      new Producer({
        'bootstrap.servers': `127.0.0.1:${proxy.port}`,
        'linger.ms': 0,
        'request.timeout.ms': 500,
        'delivery.timeout.ms': 1500,
        'retry.backoff.ms': 50,
        'reconnect.backoff.ms': 20,
        'socket.connection.setup.timeout.ms': 300,
      }),
    );
    await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `acked ${i}` })));
    // A partition: the next batch goes out, its request is never answered, and delivery.timeout.ms passes.
    proxy.blackhole(true);
    await expectRejected(
      producer.send({ topic, value: 'expired' }),
      TimeoutError,
      {},
      /^Expiring 1 record\(s\) for idempotent-\d+-0: \d+ ms has passed since batch creation/,
    );
    proxy.blackhole(false);
    const after = await producer.send({ topic, value: 'after' });
    await producer.close();
    const batches = await storedBatches(broker, topic, 0);
    expect(values(batches)).toEqual(['acked 0', 'acked 1', 'acked 2', 'acked 3', 'acked 4', 'after']);
    const last = batches.at(-1)!;
    expect(after.offset).toBe(5);
    expect(last.producerId).toBe(batches[0]!.producerId);
    expect([batches[0]!.producerEpoch, last.producerEpoch, last.baseSequence]).toEqual([0, 1, 0]);
  });
});

describe('idempotent producer against a broker process', () => {
  let dir: string;
  let broker: BrokerProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-idempotent-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  const start = async (logDir: string, port: number, settings: Record<string, string> = {}) =>
    (broker = await startBrokerProcess(logDir, { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'log.flush.offset.checkpoint.interval.ms': '0', ...settings }));

  async function createTopic(port: number, topic: string, partitions: number): Promise<void> {
    const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
    try {
      await admin.createTopics([{ name: topic, numPartitions: partitions }]);
    } finally {
      await admin.close();
    }
  }

  it('a Produce answered after the append but lost, then SIGKILL and a restart: the retry meets the restarted broker and is written once; without idempotence twice', {
    timeout: 120_000,
  }, async () => {
    for (const idempotent of [true, false]) {
      const logDir = join(dir, `sigkill-${idempotent}`);
      const port = await freePort();
      const proxyPort = await freePort();
      const settings = { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` };
      await start(logDir, port, settings);
      const proxy = cleanup.add(await startFaultProxy(port, proxyPort), (p) => p.close());
      const topic = 'payments';
      await createTopic(proxyPort, topic, 2);
      const producer = closedAfter(
        new Producer({
          'bootstrap.servers': `127.0.0.1:${proxyPort}`,
          'enable.idempotence': idempotent,
          'linger.ms': 2,
          'batch.size': 2000,
          'retry.backoff.ms': 50,
          'reconnect.backoff.ms': 20,
          'reconnect.backoff.max.ms': 200,
        }),
      );
      const futures: Array<Promise<RecordMetadata>> = [];
      const send = (i: number) => futures.push(producer.send({ topic, partition: i % 2, value: `p${i}` }));
      for (let i = 0; i < 500; i++) send(i);
      await Promise.all(futures);
      // A batch is appended, its answer lost, and nothing gets through until the broker has died and come back
      // (armed before the next records are sent, so there is always a Produce left to lose).
      proxy.dropResponses(Api.Produce.key, 1, true);
      for (let i = 500; i < 2000; i++) send(i);
      await waitFor(() => proxy.dropped(Api.Produce.key) === 1, 'a Produce answer to be lost');
      await broker!.stop('SIGKILL');
      for (let i = 2000; i < 2400; i++) send(i);
      await start(logDir, port, settings);
      proxy.blackhole(false);
      await Promise.all(futures);
      await producer.close();
      await broker!.stop('SIGTERM');
      broker = undefined;
      for (const p of [0, 1]) {
        const sent = Array.from({ length: 1200 }, (_, k) => `p${k * 2 + p}`);
        const stored = values(batchesInDir(logDir, topic, p));
        if (idempotent) expect(stored).toEqual(sent);
        else {
          expect([...new Set(stored)]).toEqual(sent);
          expect(stored.length).toBeGreaterThan(sent.length);
        }
      }
    }
  });

  it('a broker that lost acknowledged batches answers OUT_OF_ORDER_SEQUENCE_NUMBER: the producer bumps its epoch and goes on from sequence 0 (KIP-360)', {
    timeout: 120_000,
  }, async () => {
    const logDir = join(dir, 'lost-tail');
    const port = await freePort();
    await start(logDir, port);
    const topic = 'ledger';
    await createTopic(port, topic, 1);
    const producer = closedAfter(
      new Producer({
        'bootstrap.servers': `127.0.0.1:${port}`,
        'linger.ms': 0,
        'retry.backoff.ms': 50,
        'reconnect.backoff.ms': 20,
        'reconnect.backoff.max.ms': 200,
      }),
    );
    await producer.send({ topic, value: 'kept' });
    await producer.send({ topic, value: 'lost' });
    await broker!.stop('SIGKILL');
    // As if the machine had died before the page cache reached the disk: the last acknowledged batch is gone.
    const [segment] = segmentFiles(logDir, topic, 0);
    const batches = validateBatches(readFileSync(segment!));
    expect(batches.length).toBe(2);
    truncateSync(segment!, batches[0]!.sizeInBytes);
    await start(logDir, port);
    const next = await producer.send({ topic, value: 'next' });
    await producer.close();
    expect(next.offset).toBe(1);
    await broker!.stop('SIGTERM');
    broker = undefined;
    const stored = batchesInDir(logDir, topic, 0);
    expect(values(stored)).toEqual(['kept', 'next']);
    expect([stored[0]!.producerEpoch, stored[0]!.baseSequence]).toEqual([0, 0]);
    expect([stored[1]!.producerId, stored[1]!.producerEpoch, stored[1]!.baseSequence]).toEqual([stored[0]!.producerId, 1, 0]);
  });
});
