import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { transactionLogKey, transactionLogValue } from '../../../src/broker/transaction/transaction-log.js';
import { TransactionState } from '../../../src/broker/transaction/transaction-state.js';
import { TRANSACTION_STATE_TOPIC } from '../../../src/broker/transaction/transaction-topic.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ControlRecordType, readEndTransactionMarker } from '../../../storage/record/control-record.js';
import { decodeRecords } from '../../../storage/record/record.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import type { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';
import { RawClient } from '../raw-client.js';
import { batchesOf, logEnd, TxnRequests, txnPartitionOf } from './txn-harness.js';

/** The transaction markers of a partition, in log order: [COMMIT or ABORT, producer epoch, coordinator epoch]. */
function markers(batches: readonly RecordBatchView[], producerId: number): Array<[string, number, number]> {
  return batches
    .filter((b) => b.isControl && b.producerId === producerId)
    .map((b) => {
      const marker = readEndTransactionMarker([...decodeRecords(b)][0]!);
      return [marker.type === ControlRecordType.Commit ? 'COMMIT' : 'ABORT', b.producerEpoch, marker.coordinatorEpoch];
    });
}

async function createTopic(raw: RawClient, name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const res = await raw.request('CreateTopics', 4, {
    topics: [
      { name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
}

describe('the transaction coordinator over the wire', () => {
  let b: TestBroker;
  let raw: RawClient;
  let txn: TxnRequests;

  beforeAll(async () => {
    b = await startBroker({ 'transaction.max.timeout.ms': 120_000 });
    raw = await RawClient.connect(b.port);
    txn = new TxnRequests(raw);
    await createTopic(raw, 'out', 2);
  });

  afterAll(async () => {
    raw.close();
    await b.stop();
  });

  it('is found with FindCoordinator key type 1, on every version', async () => {
    const v1 = await raw.request('FindCoordinator', 1, { key: 'tx-find', keyType: 1 });
    expect(v1).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 0, port: b.port });
    const v4 = await raw.request('FindCoordinator', 4, { keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
    expect(v4.coordinators.map((c: any) => [c.key, c.errorCode, c.nodeId])).toEqual([
      ['tx-a', ErrorCode.NONE, 0],
      ['tx-b', ErrorCode.NONE, 0],
    ]);
  });

  it('runs a transaction: InitProducerId, AddPartitionsToTxn, EndTxn abort writes ABORT markers, then a commit writes COMMIT markers', async () => {
    const producer = await txn.init('tx-basic');
    expect(producer).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    expect(await txn.describe('tx-basic')).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'Empty', producerId: producer.producerId, topics: [] });

    expect(await txn.addPartitions('tx-basic', producer, { out: [0, 1] })).toEqual({ 'out-0': ErrorCode.NONE, 'out-1': ErrorCode.NONE });
    expect(await txn.describe('tx-basic')).toMatchObject({ transactionState: 'Ongoing', topics: [{ topic: 'out', partitions: [0, 1] }] });
    const listed = await raw.request('ListTransactions', 1, { stateFilters: ['Ongoing'], producerIdFilters: [producer.producerId], durationFilter: -1 });
    expect(listed.transactionStates).toEqual([{ transactionalId: 'tx-basic', producerId: producer.producerId, transactionState: 'Ongoing' }]);

    expect(await txn.endTxn('tx-basic', producer, false)).toBe(ErrorCode.NONE);
    await txn.waitForState('tx-basic', 'CompleteAbort');
    for (const p of [0, 1]) expect(markers(await batchesOf(b.broker, 'out', p), producer.producerId)).toEqual([['ABORT', 0, 0]]);

    expect(await txn.addPartitions('tx-basic', producer, { out: [1] })).toEqual({ 'out-1': ErrorCode.NONE });
    expect(await txn.endTxn('tx-basic', producer, true)).toBe(ErrorCode.NONE);
    await txn.waitForState('tx-basic', 'CompleteCommit');
    expect(markers(await batchesOf(b.broker, 'out', 0), producer.producerId)).toEqual([['ABORT', 0, 0]]);
    expect(markers(await batchesOf(b.broker, 'out', 1), producer.producerId)).toEqual([
      ['ABORT', 0, 0],
      ['COMMIT', 0, 0],
    ]);
    // The same EndTxn again is answered as done, the other one is refused.
    expect(await txn.endTxn('tx-basic', producer, true)).toBe(ErrorCode.NONE);
    expect(await txn.endTxn('tx-basic', producer, false)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('fences: a second InitProducerId aborts the open transaction with a bumped epoch, then hands out the next one; the first producer gets PRODUCER_FENCED', async () => {
    const first = await txn.init('tx-fence');
    expect(await txn.addPartitions('tx-fence', first, { out: [0] })).toEqual({ 'out-0': ErrorCode.NONE });
    // The open transaction is aborted first: the caller is told to come back.
    expect((await txn.init('tx-fence')).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    const second = await txn.initUntilReady('tx-fence');
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 2 });
    // The abort went out with the fencing epoch, never handed to a producer.
    expect(markers(await batchesOf(b.broker, 'out', 0), first.producerId)).toEqual([['ABORT', 1, 0]]);

    expect(await txn.endTxn('tx-fence', first, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await txn.endTxn('tx-fence', first, true, 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await txn.addPartitions('tx-fence', first, { out: [1] })).toEqual({ 'out-1': ErrorCode.PRODUCER_FENCED });
    expect(await txn.addPartitions('tx-fence', first, { out: [1] }, 1)).toEqual({ 'out-1': ErrorCode.INVALID_PRODUCER_EPOCH });
    expect((await txn.describe('tx-fence')).transactionState).toBe('Empty');
  });

  it('KIP-360: a producer naming its id and epoch gets the next epoch, a retry of that call the same one, a stale producer PRODUCER_FENCED', async () => {
    const first = await txn.init('tx-360');
    const bumped = await txn.init('tx-360', 60_000, first, 3);
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: first.producerEpoch + 1 });
    // The response was lost and the producer asks again with what it had: same answer, no second bump.
    expect(await txn.init('tx-360', 60_000, first, 3)).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: bumped.producerEpoch });
    // A plain InitProducerId (a new producer) fences whoever had the id.
    const other = await txn.init('tx-360');
    expect(other.producerEpoch).toBe(bumped.producerEpoch + 1);
    expect((await txn.init('tx-360', 60_000, bumped, 4)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await txn.init('tx-360', 60_000, bumped, 3)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await txn.init('tx-360', 60_000, { producerId: 12345, producerEpoch: 0 }, 4)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('answers verify-only AddPartitionsToTxn (v4+, KIP-890) per partition without adding any', async () => {
    const producer = await txn.init('tx-verify');
    expect(await txn.verify('tx-verify', producer, { out: [0] })).toEqual({ 'out-0': ErrorCode.INVALID_TXN_STATE });
    await txn.addPartitions('tx-verify', producer, { out: [0] });
    expect(await txn.verify('tx-verify', producer, { out: [0, 1] })).toEqual({ 'out-0': ErrorCode.NONE, 'out-1': ErrorCode.INVALID_TXN_STATE });
    expect(await txn.verify('tx-verify', { ...producer, producerEpoch: producer.producerEpoch + 1 }, { out: [0] })).toEqual({
      'out-0': ErrorCode.PRODUCER_FENCED,
    });
    expect(await txn.verify('tx-nobody', producer, { out: [0] })).toEqual({ 'out-0': ErrorCode.INVALID_PRODUCER_ID_MAPPING });
    expect((await txn.describe('tx-verify')).topics).toEqual([{ topic: 'out', partitions: [0] }]);
    await txn.endTxn('tx-verify', producer, false);
    await txn.waitForState('tx-verify', 'CompleteAbort');
  });

  it("KIP-890: a transactional batch for a partition not in its producer's ongoing transaction is refused, and nothing is written", async () => {
    const produce = async (producer: { producerId: number; producerEpoch: number }, sequence: number, transactionalId = 'tx-produce') => {
      const records = buildRecordBatch([{ value: `s${sequence}` }], { ...producer, baseSequence: sequence, isTransactional: true });
      const res = await raw.request('Produce', 9, {
        transactionalId,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'out', partitionData: [{ index: 1, records }] }],
      });
      return res.responses[0].partitionResponses[0].errorCode;
    };
    const stale = await txn.init('tx-produce');
    const producer = await txn.init('tx-produce');
    const before = logEnd(b.broker, 'out', 1);
    // No transaction open, a stranger's producer id, a stale epoch: the coordinator says no before anything is written.
    expect(await produce(producer, 0)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await produce({ producerId: producer.producerId + 7, producerEpoch: 0 }, 0)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    await txn.addPartitions('tx-produce', producer, { out: [0] });
    expect(await produce(producer, 0)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(logEnd(b.broker, 'out', 1)).toBe(before);
    await txn.addPartitions('tx-produce', producer, { out: [1] });
    expect(await produce(stale, 0)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await produce(producer, 0)).toBe(ErrorCode.NONE);
    expect(await produce(producer, 1)).toBe(ErrorCode.NONE);
    expect(await txn.endTxn('tx-produce', producer, true)).toBe(ErrorCode.NONE);
    await txn.waitForState('tx-produce', 'CompleteCommit');
    // A late batch of the ended transaction cannot open another one that nothing would end.
    const ended = logEnd(b.broker, 'out', 1);
    expect(await produce(producer, 2)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(logEnd(b.broker, 'out', 1)).toBe(ended);
    expect(b.broker.context.replicas.getPartition('out', 1)!.lastStableOffset).toBe(ended);
  });

  it("refuses bad input with Kafka's codes and writes nothing", async () => {
    const producer = await txn.init('tx-bad');
    const state = txnPartitionOf(b.broker, 'tx-bad');
    const before = logEnd(b.broker, state.topic, state.partition);
    // EndTxn of an id with no transaction open, of an id nobody initialised, with another producer id.
    expect(await txn.endTxn('tx-bad', producer, true)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await txn.endTxn('tx-bad', producer, false)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await txn.endTxn('tx-never-initialised', producer, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await txn.endTxn('tx-bad', { producerId: producer.producerId + 1, producerEpoch: 0 }, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    // AddPartitionsToTxn with a stale epoch, for a topic that does not exist (the rest of the request is not attempted).
    expect(await txn.addPartitions('tx-bad', { ...producer, producerEpoch: producer.producerEpoch - 1 }, { out: [0] })).toEqual({
      'out-0': ErrorCode.PRODUCER_FENCED,
    });
    expect(await txn.addPartitions('tx-bad', producer, { out: [0], missing: [0] })).toEqual({
      'out-0': ErrorCode.OPERATION_NOT_ATTEMPTED,
      'missing-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    expect(await txn.addPartitions('tx-bad', producer, { out: [7] })).toEqual({ 'out-7': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    // A timeout beyond transaction.max.timeout.ms, an empty id.
    expect((await txn.init('tx-bad', 120_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await txn.init('tx-bad', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await txn.init('')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(logEnd(b.broker, state.topic, state.partition)).toBe(before);
    expect(await txn.describe('tx-bad')).toMatchObject({ transactionState: 'Empty', producerEpoch: producer.producerEpoch, topics: [] });
    expect((await txn.describe('tx-never-initialised')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });

  it("TxnOffsetCommit for a group that does not exist, or whose partition is not in the transaction, gets Kafka's codes and writes nothing", async () => {
    const producer = await txn.init('tx-offsets-bad');
    const offsets = b.broker.context.groups!.offsetsTopic;
    await offsets.ensure();
    const groupPartition = offsets.partitionFor('no-such-group');
    const commit = (version: number, membership: Record<string, unknown> = {}) =>
      raw.request('TxnOffsetCommit', version, {
        transactionalId: 'tx-offsets-bad',
        groupId: 'no-such-group',
        ...producer,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        ...membership,
        topics: [{ name: 'out', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    const codeOf = (res: any) => res.topics[0].partitions[0].errorCode;
    const before = logEnd(b.broker, '__consumer_offsets', groupPartition);
    // The group's partition was never added with AddOffsetsToTxn (KIP-890 refuses it rather than leave a transaction hanging).
    expect(codeOf(await commit(3))).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await txn.addOffsets('tx-offsets-bad', producer, 'no-such-group')).toBe(ErrorCode.NONE);
    // A member of a generation of a group that does not exist.
    expect(codeOf(await commit(3, { generationId: 4, memberId: 'ghost' }))).toBe(ErrorCode.ILLEGAL_GENERATION);
    // A stale producer epoch.
    expect(codeOf(await commit(2, { producerEpoch: producer.producerEpoch - 1 }))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(logEnd(b.broker, '__consumer_offsets', groupPartition)).toBe(before);
    expect(b.broker.context.groups!.group('no-such-group')).toBeUndefined();
    await txn.endTxn('tx-offsets-bad', producer, false);
    await txn.waitForState('tx-offsets-bad', 'CompleteAbort');
  });

  it('commits transactional offsets only with the COMMIT marker and drops them with ABORT (OffsetFetch with require_stable waits meanwhile)', async () => {
    const fetch = async (requireStable: boolean) =>
      (await raw.request('OffsetFetch', 7, { groupId: 'ctp-group', topics: [{ name: 'out', partitionIndexes: [0] }], requireStable })).topics[0].partitions[0];
    const producer = await txn.init('tx-offsets');
    const commitOffset = async (offset: number) => {
      expect(await txn.addOffsets('tx-offsets', producer, 'ctp-group')).toBe(ErrorCode.NONE);
      const res = await raw.request('TxnOffsetCommit', 3, {
        transactionalId: 'tx-offsets',
        groupId: 'ctp-group',
        ...producer,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 'out', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
      });
      expect(res.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    };
    await commitOffset(10);
    expect(await fetch(false)).toMatchObject({ committedOffset: -1, errorCode: ErrorCode.NONE });
    expect(await fetch(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await txn.endTxn('tx-offsets', producer, true)).toBe(ErrorCode.NONE);
    await waitFor(async () => (await fetch(true)).committedOffset === 10, 'the committed offset to appear');

    await commitOffset(20);
    expect(await txn.endTxn('tx-offsets', producer, false)).toBe(ErrorCode.NONE);
    await txn.waitForState('tx-offsets', 'CompleteAbort');
    expect(await fetch(true)).toMatchObject({ committedOffset: 10, metadata: 'm', errorCode: ErrorCode.NONE });
  });

  it('COORDINATOR_LOAD_IN_PROGRESS while its partition loads, NOT_COORDINATOR once it resigns it', async () => {
    const producer = await txn.init('tx-load');
    const coordinator = b.broker.context.transactions!;
    const partition = coordinator.partitionFor('tx-load');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loaded = coordinator.onElection(partition, 0, gate);
    expect((await txn.describe('tx-load')).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await txn.init('tx-load')).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await txn.addPartitions('tx-load', producer, { out: [0] })).toEqual({ 'out-0': ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    expect((await raw.request('FindCoordinator', 3, { key: 'tx-load', keyType: 1 })).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await raw.request('ListTransactions', 0, { stateFilters: [], producerIdFilters: [] })).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    expect(await loaded).toBeGreaterThan(0);
    expect(await txn.describe('tx-load')).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'Empty', producerEpoch: producer.producerEpoch });

    coordinator.onResignation(partition);
    expect((await txn.describe('tx-load')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await txn.endTxn('tx-load', producer, true)).toBe(ErrorCode.NOT_COORDINATOR);
    await coordinator.onElection(partition, 0);
    expect((await txn.describe('tx-load')).transactionState).toBe('Empty');
  });

  it('finishes a transaction whose PrepareCommit was logged before its coordinator went away: the new load writes the markers and the completion', async () => {
    const producer = await txn.init('tx-prepared');
    const coordinator = b.broker.context.transactions!;
    const partition = coordinator.partitionFor('tx-prepared');
    // What a coordinator that died right after logging PrepareCommit leaves behind.
    const prepared = {
      producerId: producer.producerId,
      lastProducerId: -1,
      producerEpoch: producer.producerEpoch,
      lastProducerEpoch: -1,
      txnTimeoutMs: 60_000,
      state: TransactionState.PrepareCommit,
      partitions: new Map([['out:1', { topic: 'out', partition: 1 }]]),
      txnStartTimestamp: Date.now(),
      txnLastUpdateTimestamp: Date.now(),
    };
    coordinator.onResignation(partition);
    await coordinator.states.topic.append(partition, [{ key: transactionLogKey('tx-prepared'), value: transactionLogValue(prepared) }]);
    await coordinator.onElection(partition, 0);
    await txn.waitForState('tx-prepared', 'CompleteCommit');
    expect(markers(await batchesOf(b.broker, 'out', 1), producer.producerId)).toEqual([['COMMIT', producer.producerEpoch, 0]]);
    const states = await batchesOf(b.broker, TRANSACTION_STATE_TOPIC, partition);
    expect(states.length).toBeGreaterThanOrEqual(3);
  });

  it('sends a marker again until its partition takes it, and skips a partition whose topic was deleted', async () => {
    await createTopic(raw, 'strict', 1, { 'min.insync.replicas': '2' });
    await createTopic(raw, 'doomed', 1);
    const producer = await txn.init('tx-retry');
    await txn.addPartitions('tx-retry', producer, { strict: [0], doomed: [0] });
    const deleted = await raw.request('DeleteTopics', 4, { topicNames: ['doomed'], timeoutMs: 5000 });
    expect(deleted.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(await txn.endTxn('tx-retry', producer, true)).toBe(ErrorCode.NONE);
    // strict-0 answers NOT_ENOUGH_REPLICAS (one replica, min.insync.replicas 2): its marker is sent again and again.
    await waitFor(async () => (await txn.describe('tx-retry')).topics.length === 1, 'the deleted partition to leave the transaction');
    expect(await txn.describe('tx-retry')).toMatchObject({ transactionState: 'PrepareCommit', topics: [{ topic: 'strict', partitions: [0] }] });
    const altered = await raw.request('IncrementalAlterConfigs', 1, {
      resources: [{ resourceType: 2, resourceName: 'strict', configs: [{ name: 'min.insync.replicas', configOperation: 0, value: '1' }] }],
      validateOnly: false,
    });
    expect(altered.responses[0].errorCode).toBe(ErrorCode.NONE);
    await txn.waitForState('tx-retry', 'CompleteCommit');
    expect(markers(await batchesOf(b.broker, 'strict', 0), producer.producerId)).toEqual([['COMMIT', producer.producerEpoch, 0]]);
  });
});

describe('the transaction coordinator when its log refuses writes', () => {
  let b: TestBroker;
  let raw: RawClient;
  let txn: TxnRequests;

  beforeAll(async () => {
    b = await startBroker();
    raw = await RawClient.connect(b.port);
    txn = new TxnRequests(raw);
    await createTopic(raw, 'out', 1);
  });

  afterAll(async () => {
    raw.close();
    await b.stop();
  });

  /** min.insync.replicas of a topic on this one-replica broker: 2 makes every acks=all write fail with NOT_ENOUGH_REPLICAS. */
  async function setMinIsr(topic: string, value: number): Promise<void> {
    const res = await raw.request('IncrementalAlterConfigs', 1, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'min.insync.replicas', configOperation: 0, value: String(value) }] }],
      validateOnly: false,
    });
    expect(res.responses[0].errorCode).toBe(ErrorCode.NONE);
  }

  it('a fence whose write fails bumps the epoch only once, however often it is tried', async () => {
    const producer = await txn.init('tx-failed-fence');
    await txn.addPartitions('tx-failed-fence', producer, { out: [0] });
    await setMinIsr(TRANSACTION_STATE_TOPIC, 2);
    try {
      // The abort of the open transaction cannot be logged: the caller is told to retry later.
      expect((await txn.init('tx-failed-fence')).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      expect((await txn.init('tx-failed-fence')).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      // The producer it set out to fence is fenced already.
      expect(await txn.endTxn('tx-failed-fence', producer, true)).toBe(ErrorCode.PRODUCER_FENCED);
    } finally {
      await setMinIsr(TRANSACTION_STATE_TOPIC, 1);
    }
    const next = await txn.initUntilReady('tx-failed-fence');
    expect(next).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: producer.producerEpoch + 2 });
    expect(markers(await batchesOf(b.broker, 'out', 0), producer.producerId)).toEqual([['ABORT', producer.producerEpoch + 1, 0]]);
  });

  it('writes a completion that failed again until it is in the log', async () => {
    await createTopic(raw, 'held', 1, { 'min.insync.replicas': '2' });
    const producer = await txn.init('tx-failed-completion');
    await txn.addPartitions('tx-failed-completion', producer, { held: [0] });
    expect(await txn.endTxn('tx-failed-completion', producer, true)).toBe(ErrorCode.NONE);
    // The marker waits on 'held'; meanwhile __transaction_state stops taking writes, then 'held' takes the marker.
    await setMinIsr(TRANSACTION_STATE_TOPIC, 2);
    try {
      await setMinIsr('held', 1);
      await waitFor(async () => markers(await batchesOf(b.broker, 'held', 0), producer.producerId).length === 1, 'the COMMIT marker');
      await waitFor(async () => (await txn.describe('tx-failed-completion')).topics.length === 0, 'the marker to leave the transaction');
      expect((await txn.describe('tx-failed-completion')).transactionState).toBe('PrepareCommit');
      expect((await txn.init('tx-failed-completion')).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    } finally {
      await setMinIsr(TRANSACTION_STATE_TOPIC, 1);
    }
    await txn.waitForState('tx-failed-completion', 'CompleteCommit');
    expect(markers(await batchesOf(b.broker, 'held', 0), producer.producerId)).toEqual([['COMMIT', producer.producerEpoch, 0]]);
  });
});

describe('the transaction coordinator over time', () => {
  let b: TestBroker | undefined;
  let raw: RawClient | undefined;

  afterEach(async () => {
    raw?.close();
    await b?.stop();
    b = undefined;
    raw = undefined;
  });

  it('aborts a transaction past transaction.timeout.ms, fencing its producer', async () => {
    b = await startBroker({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 100 });
    raw = await RawClient.connect(b.port);
    const txn = new TxnRequests(raw);
    await createTopic(raw, 'out', 1);
    const producer = await txn.init('tx-timeout', 300);
    await txn.addPartitions('tx-timeout', producer, { out: [0] });
    await txn.waitForState('tx-timeout', 'CompleteAbort');
    expect(markers(await batchesOf(b.broker, 'out', 0), producer.producerId)).toEqual([['ABORT', producer.producerEpoch + 1, 0]]);
    expect(await txn.endTxn('tx-timeout', producer, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await txn.describe('tx-timeout')).producerEpoch).toBe(producer.producerEpoch + 1);
  });

  it('forgets a transactional id unused for transactional.id.expiration.ms, with a tombstone in __transaction_state', async () => {
    b = await startBroker({ 'transactional.id.expiration.ms': 200, 'transaction.remove.expired.transaction.cleanup.interval.ms': 100 });
    raw = await RawClient.connect(b.port);
    const txn = new TxnRequests(raw);
    await txn.init('tx-expire');
    const state = txnPartitionOf(b.broker, 'tx-expire');
    await waitFor(async () => (await txn.describe('tx-expire')).errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'the id to expire');
    const last = (await batchesOf(b.broker, state.topic, state.partition)).at(-1)!;
    expect([...decodeRecords(last)].map((r) => [r.key?.equals(transactionLogKey('tx-expire')), r.value])).toEqual([[true, null]]);
    // A new InitProducerId starts the id afresh.
    expect(await txn.init('tx-expire')).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
  });

  it('keeps transactional ids across a restart: an open transaction is aborted when its id is initialised again', async () => {
    b = await startBroker();
    raw = await RawClient.connect(b.port);
    let txn = new TxnRequests(raw);
    await createTopic(raw, 'out', 1);
    const producer = await txn.init('tx-restart');
    await txn.addPartitions('tx-restart', producer, { out: [0] });
    raw.close();
    b = await b.restart();
    raw = await RawClient.connect(b.port);
    txn = new TxnRequests(raw);
    await waitFor(async () => (await txn.describe('tx-restart')).errorCode === ErrorCode.NONE, 'the id to load');
    expect(await txn.describe('tx-restart')).toMatchObject({
      transactionState: 'Ongoing',
      producerId: producer.producerId,
      topics: [{ topic: 'out', partitions: [0] }],
    });
    const again = await txn.initUntilReady('tx-restart');
    expect(again).toMatchObject({ producerId: producer.producerId, producerEpoch: producer.producerEpoch + 2 });
    expect(markers(await batchesOf(b.broker, 'out', 0), producer.producerId)).toEqual([['ABORT', producer.producerEpoch + 1, 0]]);
  });
});
