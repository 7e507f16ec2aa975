import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ControlRecordType } from '../../storage/record/control-record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { committedRecords } from '../log/read-committed.js';
import { waitFor } from '../wait-for.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';
import { admitTransactions, plainBatch, produceRaw, txnBatch, WITHOUT_VERIFICATION, writeMarker } from './transactions-fixture.js';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const LATEST = -1;

/**
 * A partition's transactions as consumers see them over the wire: Fetch
 * under READ_COMMITTED stops at the last stable offset and lists the aborted
 * transactions, ListOffsets answers the last stable offset, DescribeProducers
 * lists the producers. Producers' batches go through raw Produce requests
 * (with a stand-in for the coordinator's verification), markers as the
 * coordinator's WriteTxnMarkers appends them.
 */
describe('transactions over the wire', () => {
  let b: TestBroker;
  let raw: RawClient;

  const fetch = async (topic: string, offset: number, isolationLevel: number, version = 11, extra: Record<string, unknown> = {}, client = raw) => {
    const res = await client.request('Fetch', version, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          topicId: b.broker.context.replicas.getPartition(topic, 0)!.topicId,
          partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
      ...extra,
    });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const p = res.responses[0].partitions[0];
    expect(p.errorCode).toBe(ErrorCode.NONE);
    return { ...p, values: committedRecords(p.records ?? Buffer.alloc(0), p.abortedTransactions ?? []).map((r) => r.value) };
  };
  const listOffset = async (topic: string, timestamp: number, isolationLevel: number) => {
    const res = await raw.request('ListOffsets', 7, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
    });
    return res.topics[0].partitions[0] as { errorCode: number; offset: number; timestamp: number };
  };
  const createTopic = async (name: string, partitions = 1) => {
    const res = await raw.request('CreateTopics', 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
    const partition = b.broker.context.replicas.getPartition(name, 0)!;
    admitTransactions(partition);
    return partition;
  };
  const produce = async (topic: string, records: Buffer) => {
    const res = await produceRaw(raw, topic, records);
    expect(res).toMatchObject({ errorCode: ErrorCode.NONE });
    return res.baseOffset;
  };

  beforeAll(async () => {
    b = await startBroker(WITHOUT_VERIFICATION);
    raw = await RawClient.connect(b.port);
  });
  afterAll(async () => {
    raw?.close();
    await b?.stop();
  });

  it('READ_COMMITTED reads stop at the last stable offset and list the aborted transactions; READ_UNCOMMITTED reads everything', async () => {
    const partition = await createTopic('txn-fetch');
    expect(await produce('txn-fetch', txnBatch(1000, 0, 0, ['aborted-0', 'aborted-1']))).toBe(0);
    await produce('txn-fetch', plainBatch(['plain-0'])); // 2
    await produce('txn-fetch', txnBatch(2000, 0, 0, ['committed-0'])); // 3
    await produce('txn-fetch', plainBatch(['plain-1'])); // 4
    const timestampOfPlain0 = (await listOffset('txn-fetch', -3, READ_UNCOMMITTED)).timestamp;

    let committed = await fetch('txn-fetch', 0, READ_COMMITTED);
    expect(committed).toMatchObject({ highWatermark: 5, lastStableOffset: 0, abortedTransactions: [], values: [] });
    expect(await listOffset('txn-fetch', LATEST, READ_COMMITTED)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0 });
    expect(await listOffset('txn-fetch', LATEST, READ_UNCOMMITTED)).toMatchObject({ offset: 5 });
    // By time: nothing at or past the last stable offset under read_committed.
    expect(await listOffset('txn-fetch', 0, READ_COMMITTED)).toMatchObject({ errorCode: ErrorCode.NONE, offset: -1 });
    expect(await listOffset('txn-fetch', 0, READ_UNCOMMITTED)).toMatchObject({ offset: 0 });
    expect((await listOffset('txn-fetch', timestampOfPlain0, READ_COMMITTED)).offset).toBe(-1);

    await writeMarker(partition, ControlRecordType.Abort, 1000, 0); // 5: producer 2000's transaction from 3 is still open
    committed = await fetch('txn-fetch', 0, READ_COMMITTED);
    expect(committed).toMatchObject({
      highWatermark: 6,
      lastStableOffset: 3,
      abortedTransactions: [{ producerId: 1000, firstOffset: 0 }],
      values: ['plain-0'],
    });
    expect(await listOffset('txn-fetch', LATEST, READ_COMMITTED)).toMatchObject({ offset: 3 });
    expect(await listOffset('txn-fetch', 0, READ_COMMITTED)).toMatchObject({ offset: 0 });

    await writeMarker(partition, ControlRecordType.Commit, 2000, 0); // 6
    for (const version of [4, 11, 16]) {
      committed = await fetch('txn-fetch', 0, READ_COMMITTED, version);
      expect(committed).toMatchObject({
        highWatermark: 7,
        lastStableOffset: 7,
        abortedTransactions: [{ producerId: 1000, firstOffset: 0 }],
        values: ['plain-0', 'committed-0', 'plain-1'],
      });
    }
    const uncommitted = await fetch('txn-fetch', 0, READ_UNCOMMITTED);
    expect(uncommitted).toMatchObject({
      lastStableOffset: 7,
      abortedTransactions: null,
      values: ['aborted-0', 'aborted-1', 'plain-0', 'committed-0', 'plain-1'],
    });
    // From past the aborted transaction's marker it is not listed.
    expect(await fetch('txn-fetch', 6, READ_COMMITTED)).toMatchObject({ abortedTransactions: [], values: [] });
  });

  it('a READ_COMMITTED long poll waiting at the last stable offset answers once the COMMIT moves it', async () => {
    const partition = await createTopic('txn-wait');
    await produce('txn-wait', txnBatch(3000, 0, 0, ['t']));
    const consumer = await RawClient.connect(b.port);
    try {
      const waiting = fetch('txn-wait', 0, READ_COMMITTED, 11, { minBytes: 1, maxWaitMs: 30_000 }, consumer);
      await waitFor(() => b.broker.context.replicas.fetchPurgatorySize === 1, 'the fetch to wait in the purgatory');
      // Records outside the transaction do not answer the fetch: they lie past the last stable offset.
      await produce('txn-wait', plainBatch(['after-1']));
      await produce('txn-wait', plainBatch(['after-2']));
      await writeMarker(partition, ControlRecordType.Commit, 3000, 0);
      const answered = await waiting;
      expect(answered).toMatchObject({ lastStableOffset: 4, values: ['t', 'after-1', 'after-2'] });
    } finally {
      consumer.close();
    }
  });

  it("refuses a producer's plain batch inside its open transaction (INVALID_TXN_STATE) and a marker of an older epoch (INVALID_PRODUCER_EPOCH), writing nothing", async () => {
    const partition = await createTopic('txn-refusals');
    await produce('txn-refusals', txnBatch(4000, 3, 0, ['t']));
    const plainInside = await produceRaw(
      raw,
      'txn-refusals',
      buildRecordBatch([{ key: 'p', value: 'plain' }], { producerId: 4000, producerEpoch: 3, baseSequence: 1 }),
    );
    expect(plainInside.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    await expect(writeMarker(partition, ControlRecordType.Commit, 4000, 2)).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(partition.logEndOffset).toBe(1);
  });

  it("DescribeProducers lists each producer's epoch, last sequence, coordinator epoch and open transaction; bad topics and partitions get Kafka's errors", async () => {
    const partition = await createTopic('txn-producers');
    await produce('txn-producers', txnBatch(5000, 2, 0, ['a', 'b']));
    await produce('txn-producers', txnBatch(6000, 7, 0, ['c']));
    await writeMarker(partition, ControlRecordType.Abort, 5000, 2, 11);
    const versions = await raw.request('ApiVersions', 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '0' });
    expect(versions.apiKeys.find((k: { apiKey: number }) => k.apiKey === 61)).toMatchObject({ minVersion: 0, maxVersion: 0 });
    const res = await raw.request('DescribeProducers', 0, {
      topics: [
        { name: 'txn-producers', partitionIndexes: [0, 3] },
        { name: 'no-such-topic', partitionIndexes: [0] },
        { name: 'bad name!', partitionIndexes: [0] },
      ],
    });
    const [described, unknown, invalid] = res.topics;
    expect(described.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE });
    const producers = [...described.partitions[0].activeProducers].sort((x: { producerId: number }, y: { producerId: number }) => x.producerId - y.producerId);
    expect(producers).toEqual([
      { producerId: 5000, producerEpoch: 2, lastSequence: 1, lastTimestamp: expect.any(Number), coordinatorEpoch: 11, currentTxnStartOffset: -1 },
      { producerId: 6000, producerEpoch: 7, lastSequence: 0, lastTimestamp: expect.any(Number), coordinatorEpoch: -1, currentTxnStartOffset: 2 },
    ]);
    expect(described.partitions[1]).toMatchObject({ partitionIndex: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] });
    expect(unknown.partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(invalid.partitions[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: expect.stringContaining('illegal') });
  });

  it('an open transaction still holds the last stable offset after a clean restart of the broker', async () => {
    await createTopic('txn-restart');
    await produce('txn-restart', plainBatch(['before']));
    await produce('txn-restart', txnBatch(7000, 0, 0, ['open']));
    await produce('txn-restart', plainBatch(['after']));
    raw.close();
    b = await b.restart();
    raw = await RawClient.connect(b.port);
    const partition = b.broker.context.replicas.getPartition('txn-restart', 0)!;
    expect(await fetch('txn-restart', 0, READ_COMMITTED)).toMatchObject({ highWatermark: 3, lastStableOffset: 1, values: ['before'] });
    await writeMarker(partition, ControlRecordType.Commit, 7000, 0);
    expect(await fetch('txn-restart', 0, READ_COMMITTED)).toMatchObject({ lastStableOffset: 4, values: ['before', 'open', 'after'] });
  });
});
