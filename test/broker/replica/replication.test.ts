import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { IsrChange, IsrWriter } from '../../../src/broker/replica/partition.js';
import type { LeaderAndIsrPartition } from '../../../src/broker/replica/replica-manager.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { LogConfig } from '../../../storage/config/log-config.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { waitFor } from '../../wait-for.js';
import { startBroker, type TestBroker } from '../harness.js';
import { fetchBody, RawClient } from '../raw-client.js';

/**
 * Replication between real brokers in one process, driven the way the
 * controller drives it (LeaderAndIsr decisions applied to each broker), with
 * the partition state kept in memory where a cluster keeps it in ZooKeeper.
 */
class PartitionStateStore implements IsrWriter {
  version = 0;
  isr: number[] = [];
  readonly changes: number[][] = [];

  async write(change: IsrChange): Promise<number | null> {
    if (change.partitionEpoch !== this.version) return null;
    this.version++;
    this.isr = [...change.isr];
    this.changes.push([...change.isr]);
    return this.version;
  }
}

const TOPIC = 'replicated';
const TOPIC_ID = randomBytes(16);

describe('replication', () => {
  const brokers = new Map<number, TestBroker>();
  const clients: RawClient[] = [];
  let store: PartitionStateStore;
  const controllerEpoch = 1;

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.values()) await b.stop();
    brokers.clear();
  });

  async function start(ids: number[], settings: Record<string, unknown> = {}): Promise<void> {
    store = new PartitionStateStore();
    for (const id of ids) {
      const b = await startBroker({
        'broker.id': id,
        'replica.lag.time.max.ms': 1500,
        'replica.fetch.wait.max.ms': 100,
        'replica.fetch.backoff.ms': 100,
        ...settings,
      });
      (b.broker.context.replicas as unknown as { options: { isrWriter?: IsrWriter } }).options.isrWriter = store;
      brokers.set(id, b);
    }
  }

  /** Sends the controller's decision for the partition to each listed broker. */
  async function decide(to: number[], leader: number, leaderEpoch: number, isr: number[], replicas: number[]): Promise<void> {
    store.isr = isr;
    const state: LeaderAndIsrPartition = {
      topic: TOPIC,
      partition: 0,
      topicId: TOPIC_ID,
      controllerEpoch,
      leader,
      leaderEpoch,
      isr,
      partitionEpoch: store.version,
      replicas,
    };
    const leaders = leader >= 0 ? [{ brokerId: leader, host: '127.0.0.1', port: brokers.get(leader)!.port }] : [];
    for (const id of to) {
      const b = brokers.get(id)!;
      const result = await b.broker.context.replicas.applyLeaderAndIsr(controllerEpoch, [state], leaders, async () => ({
        config: LogConfig.from({ 'min.insync.replicas': '2' }, {}),
        overrides: {},
      }));
      expect(result.errorCode).toBe(ErrorCode.NONE);
      expect(result.partitions.get(`${TOPIC}-0`)).toBe(ErrorCode.NONE);
    }
  }

  async function produce(to: number, values: string[], acks = -1): Promise<{ errorCode: number; baseOffset: number }> {
    const client = await RawClient.connect(brokers.get(to)!.port);
    clients.push(client);
    const records = buildRecordBatch(values.map((v) => ({ key: v, value: v })));
    const res = await client.request('Produce', 7, {
      transactionalId: null,
      acks,
      timeoutMs: 20_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
    });
    return res.responses[0].partitionResponses[0];
  }

  function log(id: number) {
    return brokers.get(id)!.broker.logManager.getLog(TOPIC, 0)!;
  }

  async function bytesOf(id: number): Promise<Buffer> {
    const l = log(id);
    return (await l.read(l.logStartOffset, 64 << 20, l.logEndOffset)).bytes;
  }

  it('copies acks=all batches to every follower byte for byte and moves the high watermark with them', async () => {
    await start([1, 2, 3]);
    await decide([1, 2, 3], 1, 1, [1, 2, 3], [1, 2, 3]);
    for (let i = 0; i < 5; i++) {
      const r = await produce(1, [`a${i}`, `b${i}`]);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.baseOffset).toBe(i * 2);
    }
    // acks=all answered only once every in-sync replica had the batch: the leader's high watermark covers it.
    expect(log(1).highWatermark).toBe(10);
    await waitFor(() => log(2).highWatermark === 10 && log(3).highWatermark === 10, 'both followers at high watermark 10');
    const leaderBytes = await bytesOf(1);
    expect((await bytesOf(2)).equals(leaderBytes)).toBe(true);
    expect((await bytesOf(3)).equals(leaderBytes)).toBe(true);
    expect(log(2).leaderEpochs.all).toEqual([{ epoch: 1, startOffset: 0 }]);
  });

  it('refuses produce and consumer fetches on a follower with NOT_LEADER_OR_FOLLOWER', async () => {
    await start([1, 2]);
    await decide([1, 2], 1, 1, [1, 2], [1, 2]);
    expect((await produce(2, ['x'])).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const client = await RawClient.connect(brokers.get(2)!.port);
    clients.push(client);
    const res = await client.request('Fetch', 11, fetchBody(TOPIC, 0));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('answers a follower fetch from a broker that is not a replica per partition (NOT_LEADER_OR_FOLLOWER) and keeps its connection', async () => {
    await start([1, 2]);
    await decide([1, 2], 1, 1, [1, 2], [1, 2]);
    expect((await produce(1, ['x'])).errorCode).toBe(ErrorCode.NONE);
    const client = await RawClient.connect(brokers.get(1)!.port);
    clients.push(client);
    // At the log end with min_bytes 1: the leader records the fetcher's position before it waits, and broker 3 has none.
    const res = await client.request('Fetch', 11, fetchBody(TOPIC, 1, { replicaId: 3, maxWaitMs: 200, minBytes: 1 }));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const again = await client.request('Fetch', 11, fetchBody(TOPIC, 0));
    expect(again.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 1 });
  });

  it('shrinks the ISR when a follower stops, so acks=all completes; refuses acks=all below min.insync.replicas', async () => {
    await start([1, 2, 3]);
    await decide([1, 2, 3], 1, 1, [1, 2, 3], [1, 2, 3]);
    expect((await produce(1, ['before'])).errorCode).toBe(ErrorCode.NONE);
    await brokers.get(3)!.stop();
    brokers.delete(3);
    // Broker 3 never fetches again: after replica.lag.time.max.ms the leader drops it, and the write completes.
    const r = await produce(1, ['while-3-is-down']);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(store.changes).toContainEqual([1, 2]);
    expect(brokers.get(1)!.broker.context.replicas.getPartition(TOPIC, 0)!.isr).toEqual([1, 2]);
    await brokers.get(2)!.stop();
    brokers.delete(2);
    await waitFor(() => brokers.get(1)!.broker.context.replicas.getPartition(TOPIC, 0)!.isr.length === 1, 'the ISR shrunk to the leader');
    // min.insync.replicas=2 and only the leader left in sync: refused before anything is written.
    const end = log(1).logEndOffset;
    expect((await produce(1, ['refused'])).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(log(1).logEndOffset).toBe(end);
    expect((await produce(1, ['acks-1'], 1)).errorCode).toBe(ErrorCode.NONE);
  });

  it('a leader that appended what no follower got truncates it after a new leader takes writes, and then matches it byte for byte', async () => {
    await start([1, 2, 3]);
    await decide([1, 2, 3], 1, 1, [1, 2, 3], [1, 2, 3]);
    expect((await produce(1, ['committed-0', 'committed-1'])).errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => log(2).logEndOffset === 2 && log(3).logEndOffset === 2, 'both followers at log end 2');
    // Followers lose the leader (no leader known): broker 1 alone takes acks=1 writes no one copies.
    await decide([2, 3], -1, 2, [1, 2, 3], [1, 2, 3]);
    for (let i = 0; i < 3; i++) expect((await produce(1, [`lost-${i}`], 1)).errorCode).toBe(ErrorCode.NONE);
    expect(log(1).logEndOffset).toBe(5);
    expect(log(1).highWatermark).toBe(2);
    // Broker 2 becomes leader in epoch 3 and takes writes; 1 and 3 follow it.
    await decide([2], 2, 3, [2, 3], [1, 2, 3]);
    await decide([1, 3], 2, 3, [2, 3], [1, 2, 3]);
    expect((await produce(2, ['new-0'])).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(2, ['new-1', 'new-2'])).errorCode).toBe(ErrorCode.NONE);
    await waitFor(
      () => log(1).logEndOffset === 5 && log(3).logEndOffset === 5 && log(1).highWatermark === 5,
      'brokers 1 and 3 at log end 5, broker 1 at high watermark 5',
    );
    const leaderBytes = await bytesOf(2);
    expect((await bytesOf(1)).equals(leaderBytes)).toBe(true);
    expect((await bytesOf(3)).equals(leaderBytes)).toBe(true);
    expect(log(1).leaderEpochs.all).toEqual(log(2).leaderEpochs.all);
    // And the old leader is back in the ISR once caught up.
    await waitFor(() => store.isr.includes(1), 'broker 1 back in the ISR');
  });

  it('starts no replica fetcher once a broker shutting down has stopped its fetchers (it would rejoin ISRs, and keep the process alive)', async () => {
    await start([1, 2]);
    await decide([1, 2], 1, 1, [1, 2], [1, 2]);
    const replicas = brokers.get(2)!.broker.context.replicas;
    expect(replicas.fetcherCount).toBe(1);
    // A broker stopping stops its fetchers first; the controlled shutdown's LeaderAndIsr (follow the new leader) comes after.
    await replicas.stopFetchers();
    expect(replicas.fetcherCount).toBe(0);
    await decide([2], 1, 2, [1, 2], [1, 2]);
    expect(replicas.getPartition(TOPIC, 0)!.leaderEpoch).toBe(2);
    expect(replicas.fetcherCount).toBe(0);
  });
});
