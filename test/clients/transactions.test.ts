import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Consumer } from '../../src/clients/consumer/consumer-constructor.js';
import type { ConsumerRecord } from '../../src/clients/consumer/consumer-records.js';
import { Api } from '../../src/clients/network/apis.js';
import {
  IllegalStateError,
  InvalidProducerEpochError,
  KafkaClientError,
  ProducerFencedError,
  RecordTooLargeError,
  TimeoutError,
  TransactionAbortedError,
} from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import type { ProducerConfigInput } from '../../src/clients/producer/producer-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ControlRecordType, readControlRecordType } from '../../storage/record/control-record.js';
import { readAllRecords } from '../../storage/record/record.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { Cleanup } from '../cleanup.js';
import { freePort } from '../cluster/zookeeper-server.js';
import { expectRejected, expectThrown } from '../errors.js';
import { waitFor } from '../wait-for.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { readValues, waitForDecidedTransactions } from './read-partitions.js';

let b: TestBroker;
let admin: Admin;
let topicNumber = 0;
const cleanup = new Cleanup();

const BROKER_SETTINGS = { 'group.initial.rebalance.delay.ms': 0, 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 };

beforeAll(async () => {
  b = await startBroker(BROKER_SETTINGS);
  admin = new Admin({ 'bootstrap.servers': b.bootstrap });
});
afterAll(async () => {
  await admin?.close();
  await b?.stop();
});
afterEach(() => cleanup.stopAll());

function producer(settings: Partial<ProducerConfigInput> & { 'transactional.id'?: string }, bootstrap = b.bootstrap): Producer {
  return cleanup.add(new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2, ...settings }), (p) => p.close(0));
}

async function newTopic(partitions = 1, broker = b): Promise<string> {
  const name = `txn-${++topicNumber}`;
  await broker.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: {} });
  return name;
}

/** A partition's log as a reader of the raw log sees it: values, and COMMIT/ABORT for markers, each with the batch's producer epoch. */
async function logOf(topic: string, partition = 0, broker = b): Promise<Array<{ entry: string; producerId: number; epoch: number; transactional: boolean }>> {
  const log = broker.broker.context.replicas.getPartition(topic, partition)!.log;
  const out: Array<{ entry: string; producerId: number; epoch: number; transactional: boolean }> = [];
  for (const batch of validateBatches((await log.read(0, 1 << 24)).bytes)) {
    const base = { producerId: batch.producerId, epoch: batch.producerEpoch, transactional: batch.isTransactional };
    for (const record of readAllRecords(batch)) {
      out.push({
        ...base,
        entry: batch.isControl ? (readControlRecordType(record.key) === ControlRecordType.Commit ? 'COMMIT' : 'ABORT') : record.value!.toString(),
      });
    }
  }
  return out;
}

const entries = async (topic: string, partition = 0) => (await logOf(topic, partition)).map((e) => e.entry);

describe('transactional producer: the state machine', () => {
  it('refuses transactional calls out of order with IllegalStateError, as Java does', async () => {
    const topic = await newTopic();
    const plain = producer({});
    expect(() => plain.beginTransaction()).toThrow(IllegalStateError);
    await expectRejected(
      plain.initTransactions(),
      IllegalStateError,
      {},
      'Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property',
    );
    const p = producer({ 'transactional.id': 'state-machine' });
    expectThrown(
      () => p.beginTransaction(),
      IllegalStateError,
      {},
      'TransactionalId state-machine: Invalid transition attempted from state UNINITIALIZED to state IN_TRANSACTION',
    );
    await expectRejected(
      p.send({ topic, value: 'before init' }),
      IllegalStateError,
      {},
      `Cannot add partition ${topic}-0 to transaction before completing a call to initTransactions`,
    );
    await p.initTransactions();
    await expectRejected(p.send({ topic, value: 'outside' }), IllegalStateError, {}, `Cannot add partition ${topic}-0 to transaction while in state  READY`);
    await expectRejected(p.commitTransaction(), IllegalStateError, {}, 'Invalid transition attempted from state READY to state COMMITTING_TRANSACTION');
    await expectRejected(
      p.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1 }], 'group'),
      IllegalStateError,
      {},
      'Cannot send offsets if a transaction is not in progress (currentState= READY)',
    );
    p.beginTransaction();
    expect(() => p.beginTransaction()).toThrow(IllegalStateError);
    // A transaction with nothing in it ends without asking the coordinator.
    await p.commitTransaction();
    p.beginTransaction();
    await p.abortTransaction();
    expect(await entries(topic)).toEqual([]);
  });

  it('aborts one transaction and commits the next: the log holds both, each closed by its marker on every partition', async () => {
    const topic = await newTopic(2);
    const p = producer({ 'transactional.id': 'abort-then-commit' });
    await p.initTransactions();
    p.beginTransaction();
    const aborted = Array.from({ length: 10 }, (_, i) => p.send({ topic, partition: i % 2, value: `aborted-${i}` }));
    await p.flush();
    await p.abortTransaction();
    await Promise.all(aborted);
    p.beginTransaction();
    for (let i = 0; i < 10; i++) p.send({ topic, partition: i % 2, value: `committed-${i}` });
    await p.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, topic, 2);
    for (const partition of [0, 1]) {
      const log = await logOf(topic, partition);
      const mine = (prefix: string) => Array.from({ length: 5 }, (_, k) => `${prefix}-${k * 2 + partition}`);
      expect(log.map((e) => e.entry)).toEqual([...mine('aborted'), 'ABORT', ...mine('committed'), 'COMMIT']);
      expect(new Set(log.map((e) => e.producerId)).size).toBe(1);
      expect(log.every((e) => e.transactional && e.epoch === 0)).toBe(true);
    }
  });

  it('records not yet sent when a transaction is aborted fail with TransactionAbortedError and are never written', async () => {
    const topic = await newTopic();
    const p = producer({ 'transactional.id': 'abort-unsent', 'linger.ms': 60_000, 'delivery.timeout.ms': 200_000 });
    await p.initTransactions();
    p.beginTransaction();
    const unsent = Array.from({ length: 5 }, (_, i) => p.send({ topic, value: `unsent-${i}` }));
    await p.abortTransaction();
    for (const f of unsent) await expectRejected(f, TransactionAbortedError, {}, 'Failing batch since transaction was aborted');
    expect(await entries(topic)).toEqual([]);
  });

  it('a record the broker refuses makes the transaction abortable: commit fails with it, abort works, and the next transaction goes on under a bumped epoch (KIP-360)', async () => {
    const topic = `txn-${++topicNumber}`;
    await admin.createTopics([{ name: topic, numPartitions: 1, configs: { 'max.message.bytes': '2000' } }]);
    const p = producer({ 'transactional.id': 'abortable' });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic, value: 'fits' });
    await expectRejected(p.send({ topic, value: 'x'.repeat(5000) }), RecordTooLargeError, { errorCode: ErrorCode.MESSAGE_TOO_LARGE }, /MESSAGE_TOO_LARGE/);
    const refused = await expectRejected(p.commitTransaction(), KafkaClientError, {}, 'Cannot execute transactional method because we are in an error state');
    expect(refused.cause).toBeInstanceOf(RecordTooLargeError);
    await expectRejected(
      p.send({ topic, value: 'while abortable' }),
      KafkaClientError,
      {},
      'Cannot execute transactional method because we are in an error state',
    );
    await p.abortTransaction();
    p.beginTransaction();
    await p.send({ topic, value: 'next' });
    await p.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, topic, 1);
    const log = await logOf(topic);
    expect(log.map((e) => [e.entry, e.epoch])).toEqual([
      ['fits', 0],
      ['ABORT', 0],
      ['next', 1],
      ['COMMIT', 1],
    ]);
  });

  it('zombie fencing: a second producer with the same transactional.id fences the first, whose open transaction is aborted and whose commit fails with ProducerFencedError', async () => {
    const topic = await newTopic();
    const zombie = producer({ 'transactional.id': 'zombie' });
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic, value: 'zombie-1' });
    const live = producer({ 'transactional.id': 'zombie' });
    // Registering the id again aborts the zombie's open transaction and bumps the epoch.
    await live.initTransactions();
    await expectRejected(
      zombie.commitTransaction(),
      ProducerFencedError,
      { errorCode: ErrorCode.PRODUCER_FENCED },
      'There is a newer producer with the same transactionalId which fences the current one.',
    );
    // Fatal: every transactional call fails the same way from now on, and so does sending.
    expectThrown(
      () => zombie.beginTransaction(),
      ProducerFencedError,
      {},
      /^PRODUCER_FENCED: Producer with transactionalId 'zombie' and ProducerIdAndEpoch\(producerId=\d+, epoch=0\) has been fenced by another producer with the same transactionalId$/,
    );
    await expectRejected(zombie.abortTransaction(), ProducerFencedError, {}, /has been fenced/);
    await expectRejected(zombie.send({ topic, value: 'zombie-2' }), ProducerFencedError, {}, /has been fenced/);
    live.beginTransaction();
    await live.send({ topic, value: 'live-1' });
    await live.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, topic, 1);
    const log = await logOf(topic);
    expect(log.map((e) => e.entry)).toEqual(['zombie-1', 'ABORT', 'live-1', 'COMMIT']);
    // One transactional id, one producer id: the new producer has a higher epoch.
    expect(log[0]!.producerId).toBe(log[2]!.producerId);
    expect(log[2]!.epoch).toBeGreaterThan(log[0]!.epoch);
  });

  it('a fenced zombie that sends first hears INVALID_PRODUCER_EPOCH, abortable as in Java (KIP-588); its abort then learns it was fenced', async () => {
    const topic = await newTopic();
    const zombie = producer({ 'transactional.id': 'zombie-sends' });
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic, value: 'zombie-1' });
    const live = producer({ 'transactional.id': 'zombie-sends' });
    await live.initTransactions();
    await expectRejected(
      zombie.send({ topic, value: 'zombie-2' }),
      InvalidProducerEpochError,
      { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH },
      /INVALID_PRODUCER_EPOCH/,
    );
    await expectRejected(
      zombie.commitTransaction(),
      InvalidProducerEpochError,
      {},
      /^INVALID_PRODUCER_EPOCH: Producer with transactionalId 'zombie-sends' and ProducerIdAndEpoch\(producerId=\d+, epoch=0\) attempted to produce with an old epoch$/,
    );
    await expectRejected(
      zombie.abortTransaction(),
      ProducerFencedError,
      { errorCode: ErrorCode.PRODUCER_FENCED },
      'There is a newer producer with the same transactionalId which fences the current one.',
    );
    expect(() => zombie.beginTransaction()).toThrow(ProducerFencedError);
    await waitForDecidedTransactions(b.bootstrap, topic, 1);
    expect((await logOf(topic)).map((e) => e.entry)).toEqual(['zombie-1', 'ABORT']);
  });
});

describe('transactions as samsa’s read_committed consumer sees them', () => {
  const committedView = (topic: string, partitions: number) => readValues(b.bootstrap, topic, partitions, { 'isolation.level': 'read_committed' });

  it('one transaction aborted, the next committed: read_committed sees exactly the committed records, read_uncommitted both', async () => {
    const topic = await newTopic(3);
    const p = producer({ 'transactional.id': 'visibility' });
    await p.initTransactions();
    p.beginTransaction();
    for (let i = 0; i < 30; i++) p.send({ topic, partition: i % 3, value: `aborted-${i}` });
    await p.flush();
    await p.abortTransaction();
    p.beginTransaction();
    for (let i = 0; i < 30; i++) p.send({ topic, partition: i % 3, value: `committed-${i}` });
    await p.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, topic, 3);
    const mine = (prefix: string, partition: number) => Array.from({ length: 10 }, (_, k) => `${prefix}-${k * 3 + partition}`);
    expect(await committedView(topic, 3)).toEqual([0, 1, 2].map((partition) => mine('committed', partition)));
    expect(await readValues(b.bootstrap, topic, 3)).toEqual([0, 1, 2].map((partition) => [...mine('aborted', partition), ...mine('committed', partition)]));
  });

  it('an open transaction holds a read_committed consumer at its first offset, later plain records included, until it commits', async () => {
    const topic = await newTopic();
    const p = producer({ 'transactional.id': 'held' });
    const plain = producer({});
    await plain.send({ topic, value: 'before' });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic, value: 'in-transaction' });
    await plain.send({ topic, value: 'after' });
    expect(await committedView(topic, 1)).toEqual([['before']]);
    const consumer = cleanup.add(
      new Consumer<string, string>({
        'bootstrap.servers': b.bootstrap,
        'isolation.level': 'read_committed',
        'value.deserializer': 'string',
        'auto.offset.reset': 'earliest',
      }),
      (c) => c.close(),
    );
    consumer.assign([{ topic, partition: 0 }]);
    const seen: string[] = [];
    while (seen.length < 1) for (const r of await consumer.poll(200)) seen.push(r.value);
    // The position stops at the open transaction's first offset (1), however long it polls.
    expect((await consumer.endOffsets([{ topic, partition: 0 }]))[0]!.offset).toBe(1);
    expect((await consumer.poll(300)).count).toBe(0);
    expect(await consumer.position({ topic, partition: 0 })).toBe(1);
    await p.commitTransaction();
    while (seen.length < 3) for (const r of await consumer.poll(200)) seen.push(r.value);
    expect(seen).toEqual(['before', 'in-transaction', 'after']);
    // Past the COMMIT marker at offset 3: the position skips control records.
    expect(await consumer.position({ topic, partition: 0 })).toBe(4);
  });

  it('consume-transform-produce: outputs and the group’s offsets commit together; after an abort the offsets are unchanged and no output is visible', async () => {
    const input = await newTopic(2);
    const output = await newTopic(2);
    const source = producer({});
    await Promise.all(Array.from({ length: 20 }, (_, i) => source.send({ topic: input, partition: i % 2, key: `k${i}`, value: `${i}` })));
    const group = `ctp-${topicNumber}`;
    const consumer = cleanup.add(
      new Consumer<string, string>({
        'bootstrap.servers': b.bootstrap,
        'group.id': group,
        'isolation.level': 'read_committed',
        'enable.auto.commit': false,
        'auto.offset.reset': 'earliest',
        'key.deserializer': 'string',
        'value.deserializer': 'string',
      }),
      (c) => c.close(),
    );
    consumer.subscribe([input]);
    const p = producer({ 'transactional.id': 'ctp' });
    await p.initTransactions();
    const readAll = async () => {
      const got: Array<ConsumerRecord<string, string>> = [];
      while (got.length < 20) for (const r of await consumer.poll(200)) got.push(r);
      return got;
    };
    const transform = async (records: Array<ConsumerRecord<string, string>>, commit: boolean) => {
      p.beginTransaction();
      const next = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const r of records) {
        p.send({ topic: output, partition: r.partition, key: r.key, value: `${Number(r.value) * 10}` });
        next.set(`${r.partition}`, { topic: input, partition: r.partition, offset: r.offset + 1 });
      }
      await p.sendOffsetsToTransaction([...next.values()], consumer.groupMetadata());
      if (commit) await p.commitTransaction();
      else await p.abortTransaction();
    };
    await transform(await readAll(), false);
    await waitForDecidedTransactions(b.bootstrap, output, 2);
    expect(await admin.listConsumerGroupOffsets(group)).toEqual([]);
    expect(await committedView(output, 2)).toEqual([[], []]);
    // Back to the committed offsets (none: the beginning), and this time the transaction commits.
    consumer.seekToBeginning(consumer.assignment());
    await transform(await readAll(), true);
    await waitForDecidedTransactions(b.bootstrap, output, 2);
    const offsets = async () => (await admin.listConsumerGroupOffsets(group)).map((o) => [o.topic, o.partition, o.offset]).sort();
    await waitFor(async () => (await offsets()).length === 2, "the group's offsets to be committed");
    expect(await offsets()).toEqual([
      [input, 0, 10],
      [input, 1, 10],
    ]);
    const outputs = await committedView(output, 2);
    for (const partition of [0, 1]) expect(outputs[partition]).toEqual(Array.from({ length: 10 }, (_, k) => `${(k * 2 + partition) * 10}`));
  });
});

describe('transactional producer: lost answers at each step', () => {
  let own: TestBroker;
  let proxy: FaultProxy;
  beforeAll(async () => {
    const proxyPort = await freePort();
    own = await startBroker({ ...BROKER_SETTINGS, listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` });
    proxy = await startFaultProxy(own.port, proxyPort);
  });
  afterAll(async () => {
    await proxy?.close();
    await own?.stop();
  });

  it.each([
    ['InitProducerId', Api.InitProducerId.key],
    ['FindCoordinator', Api.FindCoordinator.key],
    ['AddPartitionsToTxn', Api.AddPartitionsToTxn.key],
    ['Produce', Api.Produce.key],
    ['EndTxn', Api.EndTxn.key],
  ])('%s answered but the answer lost: the producer asks again and the transaction commits once', async (_name, apiKey) => {
    const topic = await newTopic(1, own);
    const id = `lost-${apiKey}-${topicNumber}`;
    const p = producer({ 'transactional.id': id, 'retry.backoff.ms': 20, 'reconnect.backoff.ms': 10 }, `127.0.0.1:${proxy.port}`);
    const before = proxy.dropped(apiKey);
    proxy.dropResponses(apiKey);
    await p.initTransactions();
    p.beginTransaction();
    for (let i = 0; i < 5; i++) p.send({ topic, value: `v${i}` });
    await p.commitTransaction();
    p.beginTransaction();
    await p.send({ topic, value: 'second' });
    await p.commitTransaction();
    await waitForDecidedTransactions(own.bootstrap, topic, 1);
    expect(proxy.dropped(apiKey)).toBe(before + 1);
    const log = await logOf(topic, 0, own);
    expect(log.map((e) => e.entry)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'COMMIT', 'second', 'COMMIT']);
  });
  it('initTransactions() timed out (max.block.ms) keeps running: other calls are refused until it is called again, which waits for the same request', async () => {
    const p = producer(
      {
        'transactional.id': `timed-out-${topicNumber}`,
        'max.block.ms': 300,
        'retry.backoff.ms': 20,
        'reconnect.backoff.ms': 10,
        'request.timeout.ms': 1000,
        'socket.connection.setup.timeout.ms': 500,
      },
      `127.0.0.1:${proxy.port}`,
    );
    proxy.blackhole(true);
    try {
      await expectRejected(p.initTransactions(), TimeoutError, {}, 'Timeout expired after 300ms while awaiting InitProducerId');
      expectThrown(
        () => p.beginTransaction(),
        IllegalStateError,
        {},
        'Cannot attempt operation `beginTransaction` because the previous call to `initTransactions` timed out and must be retried',
      );
    } finally {
      proxy.blackhole(false);
    }
    // max.block.ms is short: wait again until the request (retried meanwhile) has gone through.
    for (;;) {
      const error = await p.initTransactions().then(
        () => null,
        (e: unknown) => e,
      );
      if (error === null) break;
      expect(error).toBeInstanceOf(TimeoutError);
    }
    p.beginTransaction();
    await p.abortTransaction();
  });

  it('close() aborts a transaction still open', async () => {
    const topic = await newTopic(1, own);
    const p = producer({ 'transactional.id': `closed-open-${topicNumber}` }, `127.0.0.1:${proxy.port}`);
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic, value: 'left open' });
    await p.close();
    // The coordinator has the abort (EndTxn answered); its marker follows.
    await waitForDecidedTransactions(own.bootstrap, topic, 1);
    expect((await logOf(topic, 0, own)).map((e) => e.entry)).toEqual(['left open', 'ABORT']);
  });
});
