import { beforeAll, describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../src/broker/group/java-hash.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { commitBody, commitCodes, describeGroup, fetchOffsets, heartbeat, join, sync } from '../broker/group/group-harness.js';
import { RawClient } from '../broker/raw-client.js';
import { Cleanup } from '../cleanup.js';
import { type TestCluster, waitUntil } from './cluster-harness.js';
import { shareCluster } from './shared-cluster.js';

// The errors a client gets from each broker of a cluster, asked with raw requests, as Kafka's
// brokers answer them: leadership (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
// UNKNOWN_LEADER_EPOCH) and group coordination (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
// COORDINATOR_LOAD_IN_PROGRESS).

const OFFSETS_PARTITIONS = 5;
/** Commits of 200 partitions each written before the coordinator dies: enough records that loading them back takes a while. */
const ROUNDS = 400;
const TOPIC = 'errors';
const { NONE, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS } =
  ErrorCode;

describe('the errors each broker of a three-broker cluster answers', () => {
  const cleanup = new Cleanup();
  // One replica per __consumer_offsets partition: a broker's death leaves its groups with no coordinator at all.
  const shared = shareCluster(cleanup, { 'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS), 'offsets.topic.replication.factor': '1' });
  let cluster: TestCluster;
  beforeAll(() => ({ cluster } = shared));

  const connect = async (id: number) => cleanup.add(await RawClient.connect(cluster.port(id)), (c) => c.close());

  /** The partition's leader and leader epoch as the broker `asked` tells them (Metadata v7+). */
  async function partitionState(asked: number, topic: string, partition: number): Promise<{ leader: number; epoch: number; isr: number[] }> {
    const c = await RawClient.connect(cluster.port(asked));
    try {
      const md = await c.request('Metadata', 9, {
        topics: [{ name: topic }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      const p = md.topics[0].partitions.find((x: { partitionIndex: number }) => x.partitionIndex === partition);
      return { leader: p?.leaderId ?? -1, epoch: p?.leaderEpoch ?? -1, isr: p?.isrNodes ?? [] };
    } finally {
      c.close();
    }
  }

  it('a partition answers NOT_LEADER_OR_FOLLOWER off its leader, FENCED_LEADER_EPOCH to an older leader epoch and UNKNOWN_LEADER_EPOCH to a newer one, on every broker', {
    timeout: 180_000,
  }, async () => {
    const admin = await connect(1);
    const created = await admin.request('CreateTopics', 5, {
      topics: [{ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(NONE);
    await waitUntil(async () => (await partitionState(1, TOPIC, 0)).isr.length === 3, 'three replicas in sync', 60_000);
    // A leader that dies makes the next one's epoch 1 or more: an older epoch exists to be fenced.
    await cluster.kill(1);
    await waitUntil(async () => (await partitionState(2, TOPIC, 0)).leader === 2, 'broker 2 to lead', 60_000);
    await cluster.startBroker(1);
    await waitUntil(async () => (await partitionState(1, TOPIC, 0)).isr.length === 3, 'broker 1 back in the ISR', 60_000);
    const { leader, epoch } = await partitionState(3, TOPIC, 0);
    expect(leader).toBe(2);
    expect(epoch).toBeGreaterThanOrEqual(1);
    // Every broker knows the same leader and epoch (the followers from LeaderAndIsr).
    for (const id of cluster.brokerIds)
      await waitUntil(async () => (await partitionState(id, TOPIC, 0)).epoch === epoch, `broker ${id} to know leader epoch ${epoch}`, 60_000);

    const fetch = async (c: RawClient, currentLeaderEpoch: number): Promise<number> => {
      const r = await c.request('Fetch', 12, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: TOPIC,
            partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      return r.responses[0].partitions[0].errorCode;
    };
    const listOffsets = async (c: RawClient, currentLeaderEpoch: number): Promise<number> => {
      const r = await c.request('ListOffsets', 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp: -1 }] }],
      });
      return r.topics[0].partitions[0].errorCode;
    };
    const epochEnd = async (c: RawClient, currentLeaderEpoch: number): Promise<number> => {
      const r = await c.request('OffsetForLeaderEpoch', 4, {
        replicaId: -1,
        topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch: 0 }] }],
      });
      return r.topics[0].partitions[0].errorCode;
    };
    const produce = async (c: RawClient): Promise<number> => {
      const r = await c.request('Produce', 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 10_000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'v' }]) }] }],
      });
      return r.responses[0].partitionResponses[0].errorCode;
    };

    for (const id of cluster.brokerIds) {
      const c = await connect(id);
      const atLeader = id === leader;
      const current = atLeader ? NONE : NOT_LEADER_OR_FOLLOWER;
      // Produce carries no leader epoch: leadership alone decides.
      expect({ broker: id, produce: await produce(c) }).toEqual({ broker: id, produce: current });
      // The client's epoch is checked first, on leader and followers alike, as Kafka's brokers do.
      for (const [name, request] of [
        ['Fetch', fetch],
        ['ListOffsets', listOffsets],
        ['OffsetForLeaderEpoch', epochEnd],
      ] as const) {
        expect({
          broker: id,
          api: name,
          current: await request(c, epoch),
          none: await request(c, -1),
          older: await request(c, epoch - 1),
          newer: await request(c, epoch + 1),
        }).toEqual({ broker: id, api: name, current, none: current, older: FENCED_LEADER_EPOCH, newer: UNKNOWN_LEADER_EPOCH });
      }
    }
  });

  it('group requests answer NOT_COORDINATOR off the coordinator, COORDINATOR_NOT_AVAILABLE while its __consumer_offsets partition has no leader, COORDINATOR_LOAD_IN_PROGRESS while the coordinator loads it', {
    timeout: 300_000,
  }, async () => {
    const first = await connect(1);
    // FindCoordinator creates __consumer_offsets (COORDINATOR_NOT_AVAILABLE meanwhile), then names each group's coordinator.
    const probe = await first.request('FindCoordinator', 3, { key: 'probe', keyType: 0 });
    expect([NONE, COORDINATOR_NOT_AVAILABLE]).toContain(probe.errorCode);
    await waitUntil(
      async () => (await first.request('FindCoordinator', 3, { key: 'probe', keyType: 0 })).errorCode === NONE,
      'a coordinator for the first group',
      60_000,
    );
    // A group of broker 3's: the first group id whose __consumer_offsets partition it leads.
    const leaders = await Promise.all(Array.from({ length: OFFSETS_PARTITIONS }, async (_, p) => (await partitionState(1, '__consumer_offsets', p)).leader));
    const coordinator = 3;
    const groupId = Array.from({ length: 1000 }, (_, i) => `coordinated-${i}`).find(
      (g) => leaders[offsetsPartitionFor(g, OFFSETS_PARTITIONS)] === coordinator,
    )!;
    expect(groupId).toBeDefined();
    const others = cluster.brokerIds.filter((id) => id !== coordinator);

    // Every broker names the coordinator (once it has loaded the partition); only the coordinator answers for the group.
    for (const id of cluster.brokerIds) {
      const c = await connect(id);
      const find = async () => (await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: [groupId] })).coordinators[0];
      await waitUntil(async () => (await find()).errorCode === NONE, `broker ${id} to name the coordinator of ${groupId}`, 60_000);
      expect(await find()).toMatchObject({ errorCode: NONE, nodeId: coordinator, host: '127.0.0.1', port: cluster.port(coordinator) });
    }
    const atCoordinator = await connect(coordinator);
    // Many commits, so that loading the partition later takes a while.
    const committed = 'commits';
    const bulk = commitBody(groupId, committed, Object.fromEntries(Array.from({ length: 200 }, (_, p) => [p, 0])));
    const topicCreated = await atCoordinator.request('CreateTopics', 5, {
      topics: [{ name: committed, numPartitions: 200, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    expect(topicCreated.topics[0].errorCode).toBe(NONE);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const p of bulk.topics[0]!.partitions) p.committedOffset = round;
      expect(new Set(await commitCodes(atCoordinator, bulk))).toEqual(new Set([NONE]));
    }
    const joined = await join(atCoordinator, groupId, { version: 3, sessionTimeoutMs: 60_000 });
    expect(joined.errorCode).toBe(NONE);
    expect(
      (await sync(atCoordinator, groupId, joined.generationId, joined.memberId, [{ memberId: joined.memberId, assignment: Buffer.from('a') }])).errorCode,
    ).toBe(NONE);
    for (const id of others) {
      const c = await connect(id);
      expect({
        broker: id,
        join: (await join(c, groupId, { version: 3 })).errorCode,
        heartbeat: await heartbeat(c, groupId, joined.generationId, joined.memberId),
        commit: await commitCodes(c, commitBody(groupId, committed, { 0: 1 })),
        fetch: (await fetchOffsets(c, groupId, null, 7)).errorCode,
        describe: (await describeGroup(c, groupId)).errorCode,
      }).toEqual({
        broker: id,
        join: NOT_COORDINATOR,
        heartbeat: NOT_COORDINATOR,
        commit: [NOT_COORDINATOR],
        fetch: NOT_COORDINATOR,
        describe: NOT_COORDINATOR,
      });
    }

    // The coordinator goes, and with it the only replica of the group's partition: no coordinator anywhere.
    // (Shut down cleanly: restarted after a SIGKILL it would spend its time recovering every log, not loading.)
    await cluster.stop(coordinator);
    for (const id of others) {
      const c = await connect(id);
      await waitUntil(
        async () => (await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: [groupId] })).coordinators[0].errorCode !== NONE,
        `broker ${id} to lose the coordinator`,
        60_000,
      );
      const found = await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: [groupId] });
      expect(found.coordinators[0]).toMatchObject({ errorCode: COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
      expect((await c.request('FindCoordinator', 3, { key: groupId, keyType: 0 })).errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
      expect((await fetchOffsets(c, groupId, null, 7)).errorCode).toBe(NOT_COORDINATOR);
    }

    // Back, it leads the partition again and reads it: COORDINATOR_LOAD_IN_PROGRESS until it has, then the offsets.
    // Asked from the moment it accepts connections, which is before it registers and the controller makes it leader.
    const starting = cluster.startBroker(coordinator);
    let back: RawClient | undefined;
    await waitUntil(
      async () => (back = await RawClient.connect(cluster.port(coordinator))) !== undefined,
      'the restarted coordinator to accept connections',
      60_000,
    );
    cleanup.add(back!, (c) => c.close());
    const seen: number[] = [];
    await waitUntil(
      async () => {
        const code = (await fetchOffsets(back!, groupId, null, 7)).errorCode as number;
        if (seen[seen.length - 1] !== code) seen.push(code);
        return code === NONE;
      },
      'the coordinator to load the group',
      120_000,
    );
    await starting;
    // Not the coordinator until the controller's LeaderAndIsr, then loading, then loaded.
    expect(seen).toEqual([NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, NONE]);
    expect(await heartbeat(back!, groupId, joined.generationId, joined.memberId)).toBe(NONE);
    const offsets = await fetchOffsets(back!, groupId, null, 7);
    expect(offsets.topics[0].partitions.map((p: { committedOffset: number }) => p.committedOffset)).toEqual(Array.from({ length: 200 }, () => ROUNDS));
  });
});
