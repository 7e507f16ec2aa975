import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ElectionType } from '../../../src/protocol/messages/elect-leaders.js';
import { encodePartitionState, type LeaderIsrAndControllerEpoch, type TopicPartition, topicPartitionStatePath } from '../../../src/zk/zk-data.js';
import { useZooKeeper } from '../../zk/fixture.js';
import { eventually, kafkaErrorOf, leaderAndIsrFor, TestCluster } from './cluster-fixture.js';
import { type FakeBroker, stoppedPartitions, updateMetadataStates } from './fake-broker.js';

// The admin requests the controller answers (ElectLeaders, AlterPartitionReassignments,
// ListPartitionReassignments), against a real ZooKeeper and fake brokers that record what
// the controller sends them.
const fx = useZooKeeper();

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** Whether the broker was asked, after `from`, to stop its replica of the partition and delete it. */
function deleted(broker: FakeBroker, partition: TopicPartition, from = 0): boolean {
  return broker.received
    .slice(from)
    .some(
      (r) =>
        r.api === 'StopReplica' &&
        stoppedPartitions(r.version, r.body).some((s) => s.topic === partition.topic && s.partition === partition.partition && s.deletePartition),
    );
}

/** The ISR a leader writes (conditionally, as leaders do) and announces, as a leader whose followers caught up. */
async function leaderSetsIsr(cluster: TestCluster, partition: TopicPartition, isr: number[]): Promise<void> {
  const state = (await cluster.state(partition.topic, partition.partition))!;
  await cluster.observer.zk.setData(
    topicPartitionStatePath(partition),
    encodePartitionState({ ...state, leaderAndIsr: { ...state.leaderAndIsr, isr } }),
    state.leaderAndIsr.partitionEpoch,
  );
  await cluster.observer.propagateIsrChanges([partition]);
}

const codes = (results: ReadonlyArray<{ tp: TopicPartition; errorCode: number }>) => results.map((r) => [`${r.tp.topic}-${r.tp.partition}`, r.errorCode]);

describe('ElectLeaders on the controller', () => {
  it('preferred: moves leadership back to the first replica once it is in sync, and says when none is needed or possible', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2, { controller: true });
    await cluster.start(3);
    await cluster.createTopic('pref', { 0: [2, 1], 1: [1, 2] });
    for (const p of [0, 1]) await cluster.waitForState('pref', p, () => true);
    const controller = b1.controller!;

    expect((await kafkaErrorOf(b2.controller!.electLeaders(ElectionType.Preferred, [tp('pref', 0)]))).errorCode).toBe(ErrorCode.NOT_CONTROLLER);

    // broker 2 fails: broker 1 leads partition 0; back, broker 2 is not in the ISR yet
    await b2.stop();
    await cluster.waitForState('pref', 0, (s) => s.leaderAndIsr.leader === 1);
    await b2.restart();
    expect(codes(await controller.electLeaders(ElectionType.Preferred, [tp('pref', 0), tp('pref', 1), tp('pref', 7), tp('nonexistent', 0)]))).toEqual([
      ['pref-0', ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE],
      ['pref-1', ErrorCode.ELECTION_NOT_NEEDED],
      ['pref-7', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['nonexistent-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect((await cluster.state('pref', 0))!.leaderAndIsr.leader).toBe(1);

    await leaderSetsIsr(cluster, tp('pref', 0), [1, 2]);
    const from = cluster.marks();
    const [elected] = await eventually('the preferred election', async () => {
      const results = await controller.electLeaders(ElectionType.Preferred, [tp('pref', 0)]);
      // the controller may not have read the ISR change yet: the preferred replica is then not in sync
      return results[0]!.errorCode === ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE ? undefined : results;
    });
    expect(elected).toMatchObject({ tp: tp('pref', 0), errorCode: ErrorCode.NONE, errorMessage: null, leader: 2 });
    const state = (await cluster.state('pref', 0))!;
    expect(state.leaderAndIsr).toMatchObject({ leader: 2, isr: [1, 2] });
    // the new leader is told, and every broker learns it
    await eventually('broker 2 told it leads', () =>
      leaderAndIsrFor(b2, 'pref', from.get(2)).some((s) => s.leader === 2 && s.leaderEpoch === state.leaderAndIsr.leaderEpoch),
    );
    for (const broker of cluster.brokers.values()) {
      await broker.waitFor(
        'UpdateMetadata',
        (r) => updateMetadataStates(r).some((s) => s.topicName === 'pref' && s.partitionIndex === 0 && s.leader === 2),
        from.get(broker.id),
      );
    }
    // every partition: none needs an election now
    expect(codes(await controller.electLeaders(ElectionType.Preferred, null))).toEqual([
      ['pref-0', ErrorCode.ELECTION_NOT_NEEDED],
      ['pref-1', ErrorCode.ELECTION_NOT_NEEDED],
    ]);
  });

  it('unclean: a partition whose in-sync replicas are all down gets a live out-of-sync leader, whatever unclean.leader.election.enable says', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3);
    await cluster.createTopic('unclean', { 0: [2, 3] });
    await cluster.waitForState('unclean', 0, () => true);
    const partition = tp('unclean', 0);
    const controller = b1.controller!;
    expect(codes(await controller.electLeaders(ElectionType.Unclean, [partition]))).toEqual([['unclean-0', ErrorCode.ELECTION_NOT_NEEDED]]);

    // broker 3 falls out of the ISR, then both replicas fail: the partition is offline
    await leaderSetsIsr(cluster, partition, [2]);
    await b3.stop();
    await b2.stop();
    await cluster.waitForState('unclean', 0, (s) => s.leaderAndIsr.leader === -1);
    const [none] = await controller.electLeaders(ElectionType.Unclean, [partition]);
    expect(none).toMatchObject({ errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, leader: -1 });

    // broker 3 is back but out of sync: the controller's own elections leave the partition offline
    const from = b3.received.length;
    await b3.restart();
    await eventually('broker 3 told of the partition', () => leaderAndIsrFor(b3, 'unclean', from).length > 0);
    const offline = (await cluster.state('unclean', 0))!;
    expect(offline.leaderAndIsr).toMatchObject({ leader: -1, isr: [2] });
    expect(codes(await controller.electLeaders(ElectionType.Preferred, [partition]))).toEqual([['unclean-0', ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]]);

    const [elected] = await controller.electLeaders(ElectionType.Unclean, [partition]);
    expect(elected).toMatchObject({ errorCode: ErrorCode.NONE, leader: 3 });
    expect((await cluster.state('unclean', 0))!.leaderAndIsr).toMatchObject({ leader: 3, isr: [3], leaderEpoch: offline.leaderAndIsr.leaderEpoch + 1 });
    await eventually('broker 3 told it leads', () => leaderAndIsrFor(b3, 'unclean', from).some((s) => s.leader === 3 && s.isr.join() === '3'));
    expect(codes(await controller.electLeaders(ElectionType.Unclean, [partition]))).toEqual([['unclean-0', ErrorCode.ELECTION_NOT_NEEDED]]);
  });
});

describe('partition reassignments through the API', () => {
  it('refuses invalid targets as Kafka does, starts a reassignment that replaces the one /admin/reassign_partitions asked for, lists it, and completes it', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3);
    const b4 = await cluster.start(4);
    await cluster.createTopic('moving', { 0: [1, 2], 1: [2, 1] });
    await cluster.waitForState('moving', 1, () => true);
    const controller = b1.controller!;
    const p0 = tp('moving', 0);

    expect(
      codes(
        await controller.alterPartitionReassignments([
          { tp: p0, replicas: [] },
          { tp: tp('moving', 1), replicas: [2, 2] },
          { tp: tp('moving', 2), replicas: [9] },
          { tp: tp('moving', 3), replicas: [1] },
          { tp: tp('other', 0), replicas: null },
        ]),
      ),
    ).toEqual([
      ['moving-0', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['moving-1', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      // a broker that is not alive is refused before the partition is looked up, as in Kafka
      ['moving-2', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['moving-3', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['other-0', ErrorCode.NO_REASSIGNMENT_IN_PROGRESS],
    ]);
    expect(
      codes(
        await controller.alterPartitionReassignments([
          { tp: p0, replicas: [1, -1] },
          { tp: tp('moving', 1), replicas: null },
        ]),
      ),
    ).toEqual([
      ['moving-0', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['moving-1', ErrorCode.NO_REASSIGNMENT_IN_PROGRESS],
    ]);
    expect(await controller.listPartitionReassignments(null)).toEqual([]);

    // /admin/reassign_partitions asks for [3, 4]; the API then asks for [2, 3], which wins
    await cluster.observer.createPartitionReassignment([{ tp: p0, replicas: [3, 4] }]);
    await eventually(
      'the znode reassignment started',
      async () => (await cluster.observer.getTopicAssignment('moving'))?.partitions.get(0)?.addingReplicas.join() === '3,4',
    );
    const from = cluster.marks();
    expect(codes(await controller.alterPartitionReassignments([{ tp: p0, replicas: [2, 3] }]))).toEqual([['moving-0', ErrorCode.NONE]]);
    const moving = { replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1] };
    expect((await cluster.observer.getTopicAssignment('moving'))!.partitions.get(0)).toEqual(moving);
    expect(await cluster.observer.reassignPartitionsInProgress()).toBe(false);
    expect(await controller.listPartitionReassignments(null)).toEqual([{ tp: p0, assignment: moving }]);
    expect(await controller.listPartitionReassignments([tp('moving', 1), p0, tp('nonexistent', 0), p0])).toEqual([{ tp: p0, assignment: moving }]);
    // broker 4, which the replaced target was adding, stops and deletes its copy; broker 3 follows
    await eventually('broker 4 told to delete its replica', () => deleted(b4, p0, from.get(4)));
    await eventually('broker 3 told to follow', () =>
      leaderAndIsrFor(b3, 'moving', from.get(3)).some((s) => s.partitionIndex === 0 && s.leader === 1 && s.replicas.join() === '2,3,1'),
    );

    // broker 3 caught up: broker 2 leads, broker 1 leaves and deletes its copy
    await leaderSetsIsr(cluster, p0, [1, 2, 3]);
    // the election comes first, then broker 1 leaves the ISR
    const done = await cluster.waitForState('moving', 0, (s) => s.leaderAndIsr.leader === 2 && !s.leaderAndIsr.isr.includes(1));
    expect(done.leaderAndIsr.isr).toEqual([2, 3]);
    await eventually(
      'the reassignment completed',
      async () => (await cluster.observer.getTopicAssignment('moving'))!.partitions.get(0)!.replicas.join() === '2,3',
    );
    expect(await controller.listPartitionReassignments(null)).toEqual([]);
    await eventually('broker 1 told to delete its replica', () => deleted(b1, p0, from.get(1)));
    expect(deleted(b2, p0, from.get(2)) || deleted(b3, p0, from.get(3))).toBe(false);
  });

  it("a cancellation goes back to the original replicas at once and deletes the added ones' copies", async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    await cluster.start(2);
    const b3 = await cluster.start(3);
    await cluster.createTopic('cancel', { 0: [1, 2], 1: [1, 2] });
    for (const p of [0, 1]) await cluster.waitForState('cancel', p, () => true);
    const controller = b1.controller!;
    const [p0, p1] = [tp('cancel', 0), tp('cancel', 1)];

    expect(
      codes(
        await controller.alterPartitionReassignments([
          { tp: p0, replicas: [2, 3] },
          { tp: p1, replicas: [1, 3] },
        ]),
      ),
    ).toEqual([
      ['cancel-0', ErrorCode.NONE],
      ['cancel-1', ErrorCode.NONE],
    ]);
    expect((await controller.listPartitionReassignments(null)).map((r) => r.assignment)).toEqual([
      { replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1] },
      { replicas: [1, 3, 2], addingReplicas: [3], removingReplicas: [2] },
    ]);
    const before: LeaderIsrAndControllerEpoch = (await cluster.state('cancel', 0))!;
    const from = b3.received.length;

    expect(
      codes(
        await controller.alterPartitionReassignments([
          { tp: p0, replicas: null },
          { tp: p1, replicas: null },
        ]),
      ),
    ).toEqual([
      ['cancel-0', ErrorCode.NONE],
      ['cancel-1', ErrorCode.NONE],
    ]);
    expect(await controller.listPartitionReassignments(null)).toEqual([]);
    const assignment = (await cluster.observer.getTopicAssignment('cancel'))!.partitions;
    // the original replicas in the order the reassignment listed them (Kafka's originReplicas)
    expect(assignment.get(0)).toEqual({ replicas: [2, 1], addingReplicas: [], removingReplicas: [] });
    expect(assignment.get(1)).toEqual({ replicas: [1, 2], addingReplicas: [], removingReplicas: [] });
    expect((await cluster.state('cancel', 0))!.leaderAndIsr).toMatchObject({ leader: before.leaderAndIsr.leader, isr: [1, 2] });
    await eventually('broker 3 told to delete its copies', () => deleted(b3, p0, from) && deleted(b3, p1, from));
    expect(codes(await controller.alterPartitionReassignments([{ tp: p0, replicas: null }]))).toEqual([['cancel-0', ErrorCode.NO_REASSIGNMENT_IN_PROGRESS]]);
    // every broker learns the restored replicas
    await b1.waitFor('UpdateMetadata', (r) =>
      updateMetadataStates(r).some((s) => s.topicName === 'cancel' && s.partitionIndex === 0 && s.replicas.join() === '2,1'),
    );
  });
});
