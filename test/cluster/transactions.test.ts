import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { RawClient } from '../broker/raw-client.js';
import { TxnRequests } from '../broker/transaction/txn-harness.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

const TOPIC = 'txn-cluster';
const PARTITIONS = 3;

function kcat(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/kcat', args, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kcat ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('transactions on a three-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;
  const clients = new Map<number, RawClient>();

  beforeAll(async () => {
    cluster = await TestCluster.start({ brokers: 3, settings: { 'transaction.state.log.num.partitions': '3', 'request.timeout.ms': '10000' } });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await admin?.close();
    await cluster?.close();
  });

  /** A connection to a running broker (a new one after it restarted or the old one closed). */
  async function client(id: number): Promise<RawClient> {
    const known = clients.get(id);
    if (known && !known.closed) return known;
    const c = await RawClient.connect(cluster.port(id));
    clients.set(id, c);
    return c;
  }

  /** The broker every live broker names as the transactional id's coordinator, once they agree and it has loaded. */
  async function coordinatorOf(transactionalId: string, excluding = -1): Promise<number> {
    let found = -1;
    await waitUntil(async () => {
      const answers = new Set<number>();
      for (const id of cluster.brokerIds.filter((x) => cluster.isRunning(x))) {
        const res = await (await client(id)).request('FindCoordinator', 3, { key: transactionalId, keyType: 1 });
        answers.add(res.errorCode === ErrorCode.NONE ? res.nodeId : -1);
      }
      found = answers.size === 1 ? [...answers][0]! : -1;
      return found >= 0 && found !== excluding;
    }, `every broker to name the coordinator of ${transactionalId}`);
    return found;
  }

  async function leaders(): Promise<Map<number, number>> {
    const id = cluster.brokerIds.find((x) => cluster.isRunning(x))!;
    const md = await (await client(id)).request('Metadata', 9, {
      topics: [{ name: TOPIC }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    return new Map(md.topics[0].partitions.map((p: any) => [p.partitionIndex, p.leaderId]));
  }

  it('moves the coordinator with its __transaction_state partition when its broker is killed, and the transaction completes', {
    timeout: 240_000,
  }, async () => {
    const first = await coordinatorOf('tx-cluster');
    const txn = new TxnRequests(await client(first));
    const producer = await txn.init('tx-cluster');
    expect(producer.errorCode).toBe(ErrorCode.NONE);
    const partitions = Array.from({ length: PARTITIONS }, (_, i) => i);
    // Before AddPartitionsToTxn a leader on another broker than the coordinator refuses the batch, having asked it (AddPartitionsToTxn verifyOnly).
    const [remotePartition, remoteLeader] = [...(await leaders())].find(([, leader]) => leader !== first)!;
    const stray = buildRecordBatch([{ value: 'stray' }], {
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      baseSequence: 0,
      isTransactional: true,
    });
    const refused = await (await client(remoteLeader)).request('Produce', 9, {
      transactionalId: 'tx-cluster',
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: remotePartition, records: stray }] }],
    });
    expect(refused.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(Object.values(await txn.addPartitions('tx-cluster', producer, { [TOPIC]: partitions }))).toEqual(partitions.map(() => ErrorCode.NONE));
    // A transactional batch to each partition's leader, acks=all; the leader verifies it with the coordinator (KIP-890).
    for (const [partition, leader] of await leaders()) {
      const records = buildRecordBatch([{ value: `txn-${partition}` }], {
        producerId: producer.producerId,
        producerEpoch: producer.producerEpoch,
        baseSequence: 0,
        isTransactional: true,
      });
      const res = await (await client(leader)).request('Produce', 9, {
        transactionalId: 'tx-cluster',
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
      });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    const uncommitted = await kcat([
      '-b',
      cluster.bootstrap,
      '-C',
      '-t',
      TOPIC,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\n',
      '-X',
      'isolation.level=read_committed',
    ]);
    expect(uncommitted.trim()).toBe('');

    await cluster.kill(first);
    const second = await coordinatorOf('tx-cluster', first);
    const moved = new TxnRequests(await client(second));
    expect(await moved.describe('tx-cluster')).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'Ongoing', producerId: producer.producerId });
    expect(await moved.endTxn('tx-cluster', producer, true)).toBe(ErrorCode.NONE);
    await moved.waitForState('tx-cluster', 'CompleteCommit');
    const committed = await kcat([
      '-b',
      cluster.bootstrap,
      '-C',
      '-t',
      TOPIC,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\n',
      '-X',
      'isolation.level=read_committed',
    ]);
    expect(committed.trim().split('\n').sort()).toEqual(partitions.map((p) => `txn-${p}`));

    // The old coordinator comes back as a follower of the partition; the id stays with the new one.
    await cluster.startBroker(first);
    expect(await coordinatorOf('tx-cluster')).toBe(second);
    expect((await new TxnRequests(await client(second)).init('tx-cluster')).producerEpoch).toBe(producer.producerEpoch + 1);
  });
});
