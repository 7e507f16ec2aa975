// samsa's transactional producer and read_committed consumer with real peers:
// confluent-kafka (Debian's python3-confluent-kafka, librdkafka 2.0), kcat and
// KafkaJS. (Debian's kafka-python 2.0.2 has no isolation.level: it cannot read
// committed data only, so it is not among them.)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/clients/producer/producer.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { Cleanup } from '../cleanup.js';
import { kcat } from '../interop/kcat.js';
import { waitFor } from '../wait-for.js';
import { readValues, waitForDecidedTransactions } from './read-partitions.js';

const TRANSACTIONS_PY = fileURLToPath(new URL('../interop/python/transactions.py', import.meta.url));

/** One action of the confluent-kafka script the transaction interop tests share; resolves with its JSON line. */
function confluent(action: string, ...args: Array<string | number>): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [TRANSACTIONS_PY, action, ...args.map(String)], { timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`transactions.py ${action}: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!)),
    );
  });
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const sorted = (list: ReadonlyArray<string | null>) => [...list].sort();

describe('transactions between samsa and other clients', () => {
  let b: TestBroker;
  let kafka: Kafka;
  const cleanup = new Cleanup();

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
    kafka = new Kafka({ clientId: 'samsa-txn-interop', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await b?.stop();
  });
  afterEach(() => cleanup.stopAll());

  async function createTopic(name: string, partitions: number): Promise<void> {
    await b.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: {} });
  }

  it("samsa's read_committed consumer reads a confluent-kafka transactional producer's output: only the committed transaction; read_uncommitted both", async () => {
    await createTopic('from-confluent', 3);
    expect(await confluent('abort-then-commit', b.bootstrap, 'from-confluent', 'confluent-txn', 30)).toEqual({ done: true });
    const committed = await readValues(b.bootstrap, 'from-confluent', 3, { 'isolation.level': 'read_committed' });
    expect(sorted(committed.flat())).toEqual(sorted(values('committed', 30)));
    const everything = await readValues(b.bootstrap, 'from-confluent', 3);
    expect(sorted(everything.flat())).toEqual(sorted([...values('aborted', 30), ...values('committed', 30)]));
  });

  it("confluent-kafka, kcat and KafkaJS read_committed consumers read samsa's transactions: only what was committed, in order", async () => {
    await createTopic('from-samsa', 2);
    const p = cleanup.add(new Producer({ 'bootstrap.servers': b.bootstrap, 'transactional.id': 'samsa-txn' }), (x) => x.close(0));
    await p.initTransactions();
    p.beginTransaction();
    for (const v of values('aborted', 20)) p.send({ topic: 'from-samsa', partition: 0, value: v });
    await p.flush();
    await p.abortTransaction();
    p.beginTransaction();
    for (const v of values('committed', 20)) p.send({ topic: 'from-samsa', partition: 0, value: v });
    await p.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, 'from-samsa', 2);
    // A transaction left open on partition 1 holds its readers before it: nothing of it is visible.
    p.beginTransaction();
    await p.send({ topic: 'from-samsa', partition: 1, value: 'open' });

    const byConfluent = await confluent('consume', b.bootstrap, 'from-samsa', 'read_committed', 2);
    expect(byConfluent.complete).toBe(true);
    expect(byConfluent.values).toEqual(values('committed', 20));
    const byKcat = await kcat([
      '-b',
      b.bootstrap,
      '-C',
      '-t',
      'from-samsa',
      '-p',
      '0',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\\n',
      '-X',
      'isolation.level=read_committed',
    ]);
    expect(byKcat.trim().split('\n')).toEqual(values('committed', 20));
    const seen: string[] = [];
    const kjs = cleanup.add(kafka.consumer({ groupId: 'samsa-txn-kafkajs', maxWaitTimeInMs: 100 }), (c) => c.disconnect());
    await kjs.connect();
    await kjs.subscribe({ topic: 'from-samsa', fromBeginning: true });
    await kjs.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(() => seen.length >= 20, 'KafkaJS to read the committed records');
    expect(await readValues(b.bootstrap, 'from-samsa', 2, { 'isolation.level': 'read_committed' })).toEqual([values('committed', 20), []]);
    await p.commitTransaction();
    await waitForDecidedTransactions(b.bootstrap, 'from-samsa', 2);
    // Committed, the open transaction becomes visible; KafkaJS never saw an aborted record.
    expect((await readValues(b.bootstrap, 'from-samsa', 2, { 'isolation.level': 'read_committed' }))[1]).toEqual(['open']);
    await waitFor(() => seen.length >= 21, 'KafkaJS to read the last transaction');
    expect(seen).toEqual([...values('committed', 20), 'open']);
  });
});
