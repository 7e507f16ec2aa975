import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, startBrokerProcess } from '../broker/broker-process.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { RawClient } from '../broker/raw-client.js';
import { TxnRequests } from '../broker/transaction/txn-harness.js';
import { Cleanup } from '../cleanup.js';
import { waitFor } from '../wait-for.js';
import { BACKENDS } from './backends.js';
import { kcat } from './kcat.js';

// Debian's interpreter: its dist-packages hold python3-confluent-kafka (librdkafka 2.0).
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/transactions.py', import.meta.url));

/** Runs one scenario of transactions.py; resolves with its JSON line. */
function py(action: string, bootstrap: string, ...args: Array<string | number>): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, action, bootstrap, ...args.map(String)], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`transactions.py ${action} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const sorted = (list: readonly string[]) => [...list].sort();

describe.each(BACKENDS)('transactions with real clients on the %s backend', (backend) => {
  let b: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let raw: RawClient;

  beforeAll(async () => {
    b = await startBroker({
      'storage.backend': backend,
      'group.initial.rebalance.delay.ms': 0,
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
    });
    kafka = new Kafka({ clientId: 'samsa-txn', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    admin = kafka.admin();
    await admin.connect();
    raw = await RawClient.connect(b.port);
  });

  afterAll(async () => {
    raw?.close();
    await admin?.disconnect();
    await b?.stop();
  });

  async function createTopic(topic: string, numPartitions: number): Promise<void> {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions }] })).toBe(true);
  }

  const kcatRead = async (topic: string, isolation: string) =>
    (await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\\n']))
      .split('\n')
      .filter((v) => v !== '');

  it('confluent-kafka: aborts one transaction and commits the next; read_committed sees exactly the committed records, read_uncommitted both, and kcat agrees', async () => {
    await createTopic('ck-txn', 3);
    expect(await py('abort-then-commit', b.bootstrap, 'ck-txn', 'ck-txn-id', 20)).toEqual({ done: true });
    const committed = await py('consume', b.bootstrap, 'ck-txn', 'read_committed', 3);
    expect(committed.complete).toBe(true);
    expect(sorted(committed.values)).toEqual(sorted(values('committed', 20)));
    const everything = await py('consume', b.bootstrap, 'ck-txn', 'read_uncommitted', 3);
    expect(sorted(everything.values)).toEqual(sorted([...values('aborted', 20), ...values('committed', 20)]));
    expect(sorted(await kcatRead('ck-txn', 'read_committed'))).toEqual(sorted(values('committed', 20)));
    expect(sorted(await kcatRead('ck-txn', 'read_uncommitted'))).toEqual(sorted([...values('aborted', 20), ...values('committed', 20)]));
    expect(await new TxnRequests(raw).describe('ck-txn-id')).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'CompleteCommit', producerEpoch: 0 });
  });

  it('confluent-kafka: a second producer with the same transactional.id fences the first, whose commit fails and whose records stay invisible', async () => {
    await createTopic('ck-zombie', 1);
    const outcome = await py('zombie', b.bootstrap, 'ck-zombie', 'ck-zombie-id');
    expect(outcome.zombie_commit).toMatchObject({ name: '_FENCED', fatal: true });
    const committed = await py('consume', b.bootstrap, 'ck-zombie', 'read_committed', 1);
    expect(committed.values).toEqual(values('live', 5));
  });

  it('confluent-kafka: consume-transform-produce commits outputs and input offsets atomically; after an abort the offsets are unchanged', async () => {
    await createTopic('ck-in', 2);
    await createTopic('ck-out', 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'ck-in', messages: values('in', 20).map((value, i) => ({ value, partition: i % 2 })) });
    await producer.disconnect();

    const aborted = await py('transform', b.bootstrap, 'ck-in', 'ck-out', 'ck-ctp-group', 'ck-ctp-id', 20, 'abort');
    expect(aborted.positions).toEqual([
      [0, 10],
      [1, 10],
    ]);
    expect((await py('committed', b.bootstrap, 'ck-in', 'ck-ctp-group', 2)).committed).toEqual([
      [0, -1001],
      [1, -1001],
    ]);
    expect((await py('consume', b.bootstrap, 'ck-out', 'read_committed', 2)).values).toEqual([]);

    const done = await py('transform', b.bootstrap, 'ck-in', 'ck-out', 'ck-ctp-group', 'ck-ctp-id', 20, 'commit');
    expect(done.committed).toEqual([
      [0, 10],
      [1, 10],
    ]);
    expect((await py('committed', b.bootstrap, 'ck-in', 'ck-ctp-group', 2)).committed).toEqual([
      [0, 10],
      [1, 10],
    ]);
    const out = await py('consume', b.bootstrap, 'ck-out', 'read_committed', 2);
    expect(sorted(out.values)).toEqual(sorted(values('IN', 20)));
  });

  it('KafkaJS: producer.transaction() with sendOffsets commits records and offsets together; an aborted one leaves neither', async () => {
    await createTopic('kjs-txn', 2);
    const producer = kafka.producer({ transactionalId: 'kjs-txn-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.send({ topic: 'kjs-txn', messages: values('kjs-aborted', 6).map((value, i) => ({ value, partition: i % 2 })) });
      await aborted.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-txn', partitions: [{ partition: 0, offset: '3' }] }] });
      await aborted.abort();

      const committed = await producer.transaction();
      await committed.send({ topic: 'kjs-txn', messages: values('kjs-committed', 6).map((value, i) => ({ value, partition: i % 2 })) });
      await committed.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-txn', partitions: [{ partition: 1, offset: '7' }] }] });
      await committed.commit();
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-txn'] });
    expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '-1'],
      [1, '7'],
    ]);
    // KafkaJS consumers read committed data by default (readUncommitted: false).
    const consumer = kafka.consumer({ groupId: 'kjs-reader' });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'kjs-txn', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.length >= 6, 'the committed records');
    } finally {
      await consumer.disconnect();
    }
    expect(sorted(seen)).toEqual(sorted(values('kjs-committed', 6)));
  });

  it('aborts a transaction its producer abandoned once transaction.timeout.ms passes', async () => {
    await createTopic('ck-abandoned', 1);
    expect(await py('abandon', b.bootstrap, 'ck-abandoned', 'ck-abandoned-id', 2000)).toEqual({ abandoned: true });
    const txn = new TxnRequests(raw);
    expect((await txn.describe('ck-abandoned-id')).transactionState).toBe('Ongoing');
    // Nothing visible to read_committed while it is open; the coordinator's timeout aborts it.
    await txn.waitForState('ck-abandoned-id', 'CompleteAbort');
    const after = await py('consume', b.bootstrap, 'ck-abandoned', 'read_committed', 1);
    expect(after).toEqual({ values: [], complete: true });
    expect((await py('consume', b.bootstrap, 'ck-abandoned', 'read_uncommitted', 1)).values).toEqual(values('abandoned', 5));
  });
});

describe.each(BACKENDS)('a broker killed with a transaction open on the %s backend', (backend) => {
  const cleanup = new Cleanup();

  afterEach(() => cleanup.stopAll());

  it('aborts it when its transactional id is initialised again after the restart, never showing it', { timeout: 180_000 }, async () => {
    const dir = cleanup.add(mkdtempSync(join(tmpdir(), 'samsa-txn-kill-')), (d) => rmSync(d, { recursive: true, force: true }));
    const settings = { 'num.partitions': '1', 'storage.backend': backend };
    let broker: BrokerProcess = cleanup.add(await startBrokerProcess(dir, settings), (p) => p.stop('SIGKILL'));
    const bootstrap = () => `127.0.0.1:${broker.port}`;
    expect(await py('commit', bootstrap(), 'killed', 'killed-id', 'before', 3)).toEqual({ done: true });
    expect(await py('abandon', bootstrap(), 'killed', 'killed-id', 600_000)).toEqual({ abandoned: true });
    await broker.stop('SIGKILL');
    broker = cleanup.add(await startBrokerProcess(dir, settings), (p) => p.stop('SIGKILL'));
    const raw = cleanup.add(await RawClient.connect(broker.port), (c) => c.close());
    const txn = new TxnRequests(raw);
    await waitFor(async () => (await txn.describe('killed-id')).errorCode === ErrorCode.NONE, 'the transactional id to load');
    expect(await txn.describe('killed-id')).toMatchObject({ transactionState: 'Ongoing', topics: [{ topic: 'killed', partitions: [0] }] });
    // read_committed stops at the open transaction: the committed records before it only.
    expect((await py('consume', bootstrap(), 'killed', 'read_committed', 1)).values).toEqual(values('before', 3));
    expect(await py('commit', bootstrap(), 'killed', 'killed-id', 'after', 3)).toEqual({ done: true });
    expect((await py('consume', bootstrap(), 'killed', 'read_committed', 1)).values).toEqual([...values('before', 3), ...values('after', 3)]);
    expect((await py('consume', bootstrap(), 'killed', 'read_uncommitted', 1)).values).toEqual([
      ...values('before', 3),
      ...values('abandoned', 5),
      ...values('after', 3),
    ]);
  });
});
