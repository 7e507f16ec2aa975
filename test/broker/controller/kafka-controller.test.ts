import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ControllerMovedError } from '../../../src/zk/kafka-zk-client.js';
import { encodePartitionState, topicPartitionStatePath } from '../../../src/zk/zk-data.js';
import { useZooKeeper } from '../../zk/fixture.js';
import { eventually, kafkaErrorOf, leaderAndIsrFor, TestCluster } from './cluster-fixture.js';
import { stoppedPartitions, updateMetadataStates } from './fake-broker.js';

// The controller against a real ZooKeeper and fake brokers (TCP servers speaking the
// inter-broker APIs) that record what the controller sends them.
const fx = useZooKeeper();

describe('KafkaController', () => {
  it('one of two brokers becomes the controller; the other takes over with the next epoch when its session closes, and the old epoch is fenced', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    expect(b1.controller!.isActive).toBe(true);
    const first = (await cluster.observer.readControllerEpoch())!;
    expect(b1.controller!.epoch).toBe(first.epoch);
    expect(await cluster.observer.getControllerId()).toBe(1);

    const b2 = await cluster.start(2, { controller: true });
    expect(b2.controller!.isActive).toBe(false);
    expect(b2.controller!.activeController).toBe(1);
    // the controller tells the newcomer about the cluster
    await b2.waitFor(
      'UpdateMetadata',
      (r) => r.body.controllerId === 1 && r.body.controllerEpoch === first.epoch && r.body.liveBrokers.some((b) => b.id === 2),
    );
    await cluster.createTopic('t', { 0: [1, 2] });
    await cluster.waitForState('t', 0, (s) => s.leaderAndIsr.leader === 1);

    await b1.stop();
    await eventually('broker 2 is the controller', () => b2.controller!.isActive);
    expect(b2.controller!.epoch).toBe(first.epoch + 1);
    expect((await cluster.observer.readControllerEpoch())!.epoch).toBe(first.epoch + 1);
    expect(await cluster.observer.getControllerId()).toBe(2);
    // the new controller elects a leader for what broker 1 led, in its own epoch
    const state = await cluster.waitForState('t', 0, (s) => s.leaderAndIsr.leader === 2);
    expect(state.controllerEpoch).toBe(first.epoch + 1);
    await b2.waitFor('UpdateMetadata', (r) => r.body.controllerId === 2 && r.body.controllerEpoch === first.epoch + 1);

    // a write fenced by the first controller's epoch znode version is refused
    const stale = cluster.observer.updateLeaderAndIsr(
      [{ tp: { topic: 't', partition: 0 }, leaderAndIsr: { ...state.leaderAndIsr, leader: 1, leaderEpoch: state.leaderAndIsr.leaderEpoch + 1 } }],
      first.epoch,
      first.zkVersion,
    );
    await expect(stale).rejects.toBeInstanceOf(ControllerMovedError);
    expect((await cluster.state('t', 0))!.leaderAndIsr.leader).toBe(2);
  });

  it("creates a new topic's partition states, sends LeaderAndIsr to each replica and UpdateMetadata to every broker, in each broker's versions", async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true, rack: 'r1' });
    const b2 = await cluster.start(2, { rack: 'r2' });
    // an older broker: LeaderAndIsr v1 (partitions flat, no topic id), UpdateMetadata v4, StopReplica v0
    const b3 = await cluster.start(3, { rack: 'r3', maxVersions: { LeaderAndIsr: 1, UpdateMetadata: 4, StopReplica: 0 } });
    const epoch = b1.controller!.epoch;
    const topicId = await cluster.createTopic('orders', { 0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1] });

    for (const [p, leader, isr] of [
      [0, 1, [1, 2, 3]],
      [1, 2, [2, 3, 1]],
      [2, 3, [3, 1]],
    ] as const) {
      const state = await cluster.waitForState('orders', p, () => true);
      expect(state).toEqual({ leaderAndIsr: { leader, leaderEpoch: 0, isr, leaderRecoveryState: 0, partitionEpoch: 0 }, controllerEpoch: epoch });
    }
    const expectedPartitions = { 1: [0, 1, 2], 2: [0, 1], 3: [0, 1, 2] };
    for (const broker of [b1, b2, b3]) {
      await eventually(
        `broker ${broker.id} told of its partitions`,
        () => leaderAndIsrFor(broker, 'orders').length >= expectedPartitions[broker.id as 1 | 2 | 3].length,
      );
      const states = leaderAndIsrFor(broker, 'orders');
      expect(states.map((s) => s.partitionIndex).sort()).toEqual(expectedPartitions[broker.id as 1 | 2 | 3]);
      for (const s of states) {
        const request = s.request as Extract<typeof s.request, { api: 'LeaderAndIsr' }>;
        expect(request.body.controllerId).toBe(1);
        expect(request.body.controllerEpoch).toBe(epoch);
        expect(s.isNew).toBe(request.version >= 1);
        expect(s.partitionEpoch).toBe(0);
        expect(s.leaderEpoch).toBe(0);
        const leader = cluster.broker(s.leader);
        expect(request.body.liveLeaders).toContainEqual({ brokerId: leader.id, hostName: '127.0.0.1', port: leader.port });
        if (request.version >= 2) expect(request.body.brokerEpoch).toBe(Number(broker.epoch));
        if (request.version >= 5) expect(s.topicId).toEqual(topicId);
      }
      expect(states.find((s) => s.partitionIndex === 1)).toMatchObject({ leader: 2, isr: [2, 3, 1], replicas: [2, 3, 1] });
    }
    expect(b3.requests('LeaderAndIsr').every((r) => r.version === 1)).toBe(true);
    expect(b2.requests('LeaderAndIsr').every((r) => r.version === 7)).toBe(true);

    for (const broker of [b1, b2, b3]) {
      const update = await broker.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).filter((s) => s.topicName === 'orders').length === 3);
      expect(update.version).toBe(broker.id === 3 ? 4 : 8);
      expect(update.body.liveBrokers.map((b) => [b.id, b.rack])).toEqual([
        [1, 'r1'],
        [2, 'r2'],
        [3, 'r3'],
      ]);
      expect(update.body.liveBrokers[1]!.endpoints).toEqual([{ port: b2.port, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }]);
      const p2 = updateMetadataStates(update).find((s) => s.partitionIndex === 2)!;
      expect(p2).toMatchObject({ leader: 3, leaderEpoch: 0, isr: [3, 1], zkVersion: 0, replicas: [3, 1], offlineReplicas: [] });
      if (update.version >= 7) expect(update.body.topicStates[0]!.topicId).toEqual(topicId);
    }

    // a partition added to the topic's znode
    const from = cluster.marks();
    await cluster.observer.setTopicAssignment(
      'orders',
      topicId,
      new Map([
        [0, { replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] }],
        [1, { replicas: [2, 3, 1], addingReplicas: [], removingReplicas: [] }],
        [2, { replicas: [3, 1], addingReplicas: [], removingReplicas: [] }],
        [3, { replicas: [2, 1], addingReplicas: [], removingReplicas: [] }],
      ]),
    );
    expect((await cluster.waitForState('orders', 3, () => true)).leaderAndIsr).toMatchObject({ leader: 2, isr: [2, 1], leaderEpoch: 0 });
    for (const broker of [b1, b2]) {
      await eventually(`broker ${broker.id} told of partition 3`, () =>
        leaderAndIsrFor(broker, 'orders', from.get(broker.id)).some((s) => s.partitionIndex === 3 && s.isNew),
      );
    }
    await b3.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).some((s) => s.topicName === 'orders' && s.partitionIndex === 3), from.get(3));
    expect(leaderAndIsrFor(b3, 'orders', from.get(3))).toEqual([]);
  });

  it('moves the leaderships of a failed broker to the rest of the ISR with the next leader epoch, takes it out of every ISR, and brings it back as a follower when it restarts', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3);
    await cluster.createTopic('events', { 0: [2, 1, 3], 1: [3, 2, 1], 2: [1, 3, 2] });
    await cluster.waitForState('events', 0, (s) => s.leaderAndIsr.leader === 2);
    await cluster.waitForState('events', 2, () => true);
    const from = cluster.marks();

    await b2.stop();
    expect((await cluster.waitForState('events', 0, (s) => s.leaderAndIsr.leader !== 2)).leaderAndIsr).toMatchObject({
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 3],
    });
    expect((await cluster.waitForState('events', 1, (s) => s.leaderAndIsr.leaderEpoch === 1)).leaderAndIsr).toMatchObject({ leader: 3, isr: [3, 1] });
    expect((await cluster.waitForState('events', 2, (s) => s.leaderAndIsr.leaderEpoch === 1)).leaderAndIsr).toMatchObject({ leader: 1, isr: [1, 3] });
    for (const broker of [b1, b3]) {
      await eventually(`broker ${broker.id} told of the new leaders`, () => {
        const states = leaderAndIsrFor(broker, 'events', from.get(broker.id));
        return [0, 1, 2].every((p) => states.some((s) => s.partitionIndex === p && s.leaderEpoch === 1 && !s.isr.includes(2)));
      });
      const update = await broker.waitFor(
        'UpdateMetadata',
        (r) => updateMetadataStates(r).some((s) => s.topicName === 'events' && s.offlineReplicas.includes(2)),
        from.get(broker.id),
      );
      expect(update.body.liveBrokers.map((b) => b.id)).toEqual([1, 3]);
    }

    const beforeRestart = b2.received.length;
    await b2.restart();
    const restarted = await eventually('the restarted broker told of its partitions', () => {
      const states = leaderAndIsrFor(b2, 'events', beforeRestart);
      return [0, 1, 2].every((p) => states.some((s) => s.partitionIndex === p)) ? states : undefined;
    });
    expect(restarted.find((s) => s.partitionIndex === 0)).toMatchObject({ leader: 1, leaderEpoch: 1, replicas: [2, 1, 3] });
    expect(restarted.every((s) => (s.request as { body: { brokerEpoch: number } }).body.brokerEpoch === Number(b2.epoch))).toBe(true);
    const update = await b2.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).filter((s) => s.topicName === 'events').length === 3, beforeRestart);
    expect(update.body.liveBrokers.map((b) => b.id)).toEqual([1, 2, 3]);
    await b1.waitFor('UpdateMetadata', (r) => r.body.liveBrokers.some((b) => b.id === 2 && b.endpoints[0]!.port === b2.port), from.get(1));
  });

  it('deletes a topic: leader -2 to every broker, StopReplica with delete to each replica, waiting for a replica on a dead broker; then its znodes go', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3, { maxVersions: { StopReplica: 2 } });
    await cluster.createTopic('doomed', { 0: [1, 2], 1: [2, 3] });
    await cluster.observer.setTopicConfig('doomed', { 'retention.ms': '1000' });
    await cluster.waitForState('doomed', 1, () => true);
    await b3.stop();
    await cluster.waitForState('doomed', 1, (s) => !s.leaderAndIsr.isr.includes(3));

    await cluster.observer.markTopicForDeletion('doomed');
    for (const [broker, partitions] of [
      [b1, [0]],
      [b2, [0, 1]],
    ] as const) {
      await broker.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).some((s) => s.topicName === 'doomed' && s.leader === -2));
      await eventually(`broker ${broker.id} asked to delete its replicas`, () => {
        const stopped = broker
          .requests('StopReplica')
          .flatMap((r) => stoppedPartitions(r.version, r.body))
          .filter((s) => s.topic === 'doomed');
        return partitions.every((p) => stopped.some((s) => s.partition === p && s.deletePartition && s.leaderEpoch === -2));
      });
    }
    // broker 3's replica of partition 1 is not deleted yet: the topic stays
    expect(await cluster.observer.topicExists('doomed')).toBe(true);

    const beforeRestart = b3.received.length;
    await b3.restart();
    const stop = await b3.waitFor(
      'StopReplica',
      (r) => stoppedPartitions(r.version, r.body).some((s) => s.topic === 'doomed' && s.partition === 1 && s.deletePartition),
      beforeRestart,
    );
    expect(stop.version).toBe(2);
    // a topic being deleted is not led or followed any more
    expect(leaderAndIsrFor(b3, 'doomed', beforeRestart)).toEqual([]);
    await eventually(
      "the topic's znodes removed",
      async () => !(await cluster.observer.topicExists('doomed')) && !(await cluster.observer.isTopicMarkedForDeletion('doomed')),
    );
    expect(await cluster.observer.getTopicConfig('doomed')).toEqual({});
    expect(await cluster.observer.getAllTopicsInCluster()).toEqual([]);
  });

  it('sends the ISR a leader wrote to every broker when told by an ISR change notification, and removes the notification', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    await cluster.createTopic('isr', { 0: [1, 2] });
    const state = await cluster.waitForState('isr', 0, () => true);
    // what the creation sends is in before what follows is looked at
    for (const broker of [b1, b2]) {
      await eventually(`broker ${broker.id} told of the topic`, () => leaderAndIsrFor(broker, 'isr').length === 1);
      await broker.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).some((s) => s.topicName === 'isr'));
    }
    const from = cluster.marks();

    // the leader (broker 1) shrinks the ISR as a leader does: a conditional write, then a notification
    const tp = { topic: 'isr', partition: 0 };
    await cluster.observer.zk.setData(
      topicPartitionStatePath(tp),
      encodePartitionState({ ...state, leaderAndIsr: { ...state.leaderAndIsr, isr: [1] } }),
      state.leaderAndIsr.partitionEpoch,
    );
    await cluster.observer.propagateIsrChanges([tp]);

    for (const broker of [b1, b2]) {
      const update = await broker.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).some((s) => s.topicName === 'isr'), from.get(broker.id));
      expect(updateMetadataStates(update).find((s) => s.topicName === 'isr')).toMatchObject({ leader: 1, isr: [1], zkVersion: 1, leaderEpoch: 0 });
    }
    await eventually('the notification removed', async () => (await cluster.observer.getAllIsrChangeNotifications()).length === 0);
    expect(leaderAndIsrFor(b2, 'isr', from.get(2))).toEqual([]);
  });

  it("controlled shutdown moves a broker's leaderships away, stops the replicas it follows and answers with what it still leads", async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2, { controller: true });
    const b3 = await cluster.start(3);
    await cluster.createTopic('cs', { 0: [2, 1, 3], 1: [2, 3], 2: [1, 2], 3: [2] });
    for (const p of [0, 1, 2, 3]) await cluster.waitForState('cs', p, () => true);
    const controller = b1.controller!;

    expect((await kafkaErrorOf(b2.controller!.controlledShutdown(3, b3.epoch))).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await kafkaErrorOf(controller.controlledShutdown(2, b2.epoch - 1n))).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect((await kafkaErrorOf(controller.controlledShutdown(9, -1n))).errorCode).toBe(ErrorCode.BROKER_NOT_AVAILABLE);

    const from = cluster.marks();
    expect(await controller.controlledShutdown(2, b2.epoch)).toEqual([]);
    expect((await cluster.state('cs', 0))!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3] });
    expect((await cluster.state('cs', 1))!.leaderAndIsr).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3] });
    expect((await cluster.state('cs', 2))!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1] });
    // a partition with no other replica keeps its leader
    expect((await cluster.state('cs', 3))!.leaderAndIsr).toMatchObject({ leader: 2, leaderEpoch: 0 });

    await eventually(
      'the new leaders told',
      () =>
        leaderAndIsrFor(b1, 'cs', from.get(1)).some((s) => s.partitionIndex === 0 && s.leader === 1 && s.leaderEpoch === 1) &&
        leaderAndIsrFor(b3, 'cs', from.get(3)).some((s) => s.partitionIndex === 1 && s.leader === 3 && s.leaderEpoch === 1),
    );
    // the broker shutting down hears it no longer leads, and stops following partition 2
    await eventually('broker 2 told', () => leaderAndIsrFor(b2, 'cs', from.get(2)).filter((s) => s.leaderEpoch === 1 && s.leader !== 2).length === 2);
    const stop = await b2.waitFor('StopReplica', () => true, from.get(2));
    // the epoch it had when stopped (the ISR change comes after, as in Kafka)
    expect(stoppedPartitions(stop.version, stop.body)).toEqual([{ topic: 'cs', partition: 2, deletePartition: false, leaderEpoch: 0 }]);

    // broker 3 is the only in-sync replica of partition 1, and broker 2 shuts down too: it keeps leading
    expect(await controller.controlledShutdown(3, b3.epoch)).toEqual([{ topic: 'cs', partition: 1 }]);
    expect((await cluster.state('cs', 0))!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 2, isr: [1] });
  });

  it('moves leaderships back to the preferred replicas once they are in sync again (auto.leader.rebalance.enable)', async () => {
    const cluster = await TestCluster.create(fx);
    await cluster.start(1, { controller: true, controllerConfig: { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalSeconds: 1 } });
    const b2 = await cluster.start(2);
    await cluster.createTopic('pref', { 0: [2, 1], 1: [2, 1] });
    for (const p of [0, 1]) await cluster.waitForState('pref', p, (s) => s.leaderAndIsr.leader === 2);
    await b2.stop();
    for (const p of [0, 1]) await cluster.waitForState('pref', p, (s) => s.leaderAndIsr.leader === 1 && s.leaderAndIsr.isr.length === 1);
    const beforeRestart = b2.received.length;
    await b2.restart();
    await eventually('broker 2 back as a follower', () => leaderAndIsrFor(b2, 'pref', beforeRestart).length === 2);
    // broker 2 still out of the ISR: no rebalance; the leader (1) then takes it back in
    for (const p of [0, 1]) {
      const tp = { topic: 'pref', partition: p };
      const state = (await cluster.state('pref', p))!;
      expect(state.leaderAndIsr.leader).toBe(1);
      await cluster.observer.zk.setData(
        topicPartitionStatePath(tp),
        encodePartitionState({ ...state, leaderAndIsr: { ...state.leaderAndIsr, isr: [1, 2] } }),
        state.leaderAndIsr.partitionEpoch,
      );
    }
    await cluster.observer.propagateIsrChanges([
      { topic: 'pref', partition: 0 },
      { topic: 'pref', partition: 1 },
    ]);
    for (const p of [0, 1]) {
      const state = await cluster.waitForState('pref', p, (s) => s.leaderAndIsr.leader === 2);
      expect(state.leaderAndIsr).toMatchObject({ leaderEpoch: 2, isr: [1, 2] });
    }
    await eventually('broker 2 told it leads again', () => leaderAndIsrFor(b2, 'pref').filter((s) => s.leader === 2 && s.leaderEpoch === 2).length === 2);
  });
  it('reassigns a partition through /admin/reassign_partitions: new replicas follow, and once in sync they take over and the old ones are deleted', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3);
    const b4 = await cluster.start(4);
    const topicId = await cluster.createTopic('moving', { 0: [1, 2], 1: [2, 1] });
    await cluster.waitForState('moving', 1, () => true);
    const tp = { topic: 'moving', partition: 0 };
    const from = cluster.marks();

    await cluster.observer.createPartitionReassignment([
      { tp, replicas: [3, 4] },
      { tp: { topic: 'nonexistent', partition: 0 }, replicas: [1] },
    ]);
    // phase A: both sets of replicas in the znode, a new leader epoch, the new replicas told to follow
    await eventually(
      'the reassignment in the topic znode',
      async () => (await cluster.observer.getTopicAssignment('moving'))?.partitions.get(0)?.addingReplicas.length === 2,
    );
    expect((await cluster.observer.getTopicAssignment('moving'))!.partitions.get(0)).toEqual({
      replicas: [3, 4, 1, 2],
      addingReplicas: [3, 4],
      removingReplicas: [1, 2],
    });
    const started = await cluster.waitForState('moving', 0, (s) => s.leaderAndIsr.leaderEpoch === 1);
    expect(started.leaderAndIsr).toMatchObject({ leader: 1, isr: [1, 2] });
    for (const broker of [b3, b4]) {
      await eventually(`broker ${broker.id} told to follow`, () =>
        leaderAndIsrFor(broker, 'moving', from.get(broker.id)).some(
          (s) =>
            s.partitionIndex === 0 &&
            s.isNew &&
            s.leader === 1 &&
            s.leaderEpoch === 1 &&
            s.addingReplicas.join() === '3,4' &&
            s.removingReplicas.join() === '1,2',
        ),
      );
    }
    // the request for an unknown partition is taken out of /admin/reassign_partitions
    await eventually('the refused request removed', async () => (await cluster.observer.getPartitionReassignment()).length === 1);

    // the leader takes the new replicas into the ISR once they caught up
    await cluster.observer.zk.setData(
      topicPartitionStatePath(tp),
      encodePartitionState({ ...started, leaderAndIsr: { ...started.leaderAndIsr, isr: [1, 2, 3, 4] } }),
      started.leaderAndIsr.partitionEpoch,
    );
    await cluster.observer.propagateIsrChanges([tp]);

    // phase B: a target replica leads, the old ones leave the ISR and are deleted
    const done = await cluster.waitForState('moving', 0, (s) => s.leaderAndIsr.leader === 3 && s.leaderAndIsr.isr.length === 2);
    expect(done.leaderAndIsr).toMatchObject({ isr: [3, 4], leaderEpoch: 4 });
    await eventually('the reassignment finished in ZooKeeper', async () => !(await cluster.observer.reassignPartitionsInProgress()));
    expect(await cluster.observer.getTopicAssignment('moving')).toEqual({
      topic: 'moving',
      topicId,
      partitions: new Map([
        [0, { replicas: [3, 4], addingReplicas: [], removingReplicas: [] }],
        [1, { replicas: [2, 1], addingReplicas: [], removingReplicas: [] }],
      ]),
    });
    for (const broker of [b1, b2]) {
      await broker.waitFor(
        'StopReplica',
        (r) => stoppedPartitions(r.version, r.body).some((s) => s.topic === 'moving' && s.partition === 0 && s.deletePartition),
        from.get(broker.id),
      );
    }
    await eventually('broker 3 told it leads', () => leaderAndIsrFor(b3, 'moving', from.get(3)).some((s) => s.leader === 3 && s.replicas.join() === '3,4'));
    const update = await b1.waitFor(
      'UpdateMetadata',
      (r) => updateMetadataStates(r).some((s) => s.topicName === 'moving' && s.partitionIndex === 0 && s.leader === 3 && s.replicas.join() === '3,4'),
      from.get(1),
    );
    expect(update.body.controllerId).toBe(1);
  });
});

describe('KafkaController under faults', () => {
  it('sends a request again, in order, to a broker that dropped the connection instead of answering', async () => {
    const cluster = await TestCluster.create(fx);
    await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2, { dropRequests: 2 });
    // the UpdateMetadata telling broker 2 of the cluster was dropped twice, then answered, and nothing overtook it
    const first = await b2.waitFor('UpdateMetadata', (r) => r.body.liveBrokers.some((b) => b.id === 2));
    expect(b2.dropped).toBe(2);
    expect(b2.received[0]).toBe(first);
    await cluster.createTopic('retried', { 0: [2, 1] });
    await eventually('broker 2 told of its partition', () => leaderAndIsrFor(b2, 'retried').length === 1);
    const update = await b2.waitFor('UpdateMetadata', (r) => updateMetadataStates(r).some((s) => s.topicName === 'retried'));
    // an event's LeaderAndIsr goes before its UpdateMetadata
    expect(b2.received.indexOf(update)).toBeGreaterThan(b2.received.findIndex((r) => r.api === 'LeaderAndIsr'));
  });

  it('resigns when another broker takes /controller, and becomes the controller again with a later epoch when it goes', async () => {
    const cluster = await TestCluster.create(fx);
    const b1 = await cluster.start(1, { controller: true });
    const first = b1.controller!.epoch;
    // another "broker" takes the role: /controller replaced, the epoch moved on
    await cluster.observer.zk.delete('/controller');
    const taken = await cluster.observer.registerController(9);
    expect(taken.epoch).toBeGreaterThan(first);
    await eventually('broker 1 resigned', () => !b1.controller!.isActive && b1.controller!.activeController === 9);
    const from = b1.received.length;
    await cluster.observer.deleteController(taken.zkVersion);
    await eventually('broker 1 the controller again', () => b1.controller!.isActive);
    expect(b1.controller!.epoch).toBe(taken.epoch + 1);
    await b1.waitFor('UpdateMetadata', (r) => r.body.controllerEpoch === taken.epoch + 1, from);
  });

  it('elects an out-of-sync replica when the topic allows unclean leader election and no in-sync replica is left', async () => {
    const cluster = await TestCluster.create(fx);
    await cluster.start(1, { controller: true });
    const b2 = await cluster.start(2);
    const b3 = await cluster.start(3);
    await cluster.createTopic('unclean', { 0: [2, 3] });
    const state = await cluster.waitForState('unclean', 0, () => true);
    // the leader drops broker 3 from the ISR, then fails: nobody in sync is left
    const tp = { topic: 'unclean', partition: 0 };
    await cluster.observer.zk.setData(
      topicPartitionStatePath(tp),
      encodePartitionState({ ...state, leaderAndIsr: { ...state.leaderAndIsr, isr: [2] } }),
      state.leaderAndIsr.partitionEpoch,
    );
    const from = b3.received.length;
    await b2.stop();
    expect((await cluster.waitForState('unclean', 0, (s) => s.leaderAndIsr.leader === -1)).leaderAndIsr).toMatchObject({ leaderEpoch: 1, isr: [2] });
    await eventually('broker 3 told there is no leader', () => leaderAndIsrFor(b3, 'unclean', from).some((s) => s.leader === -1 && s.leaderEpoch === 1));

    await cluster.observer.setTopicConfig('unclean', { 'unclean.leader.election.enable': 'true' });
    // the next election (a broker joining) may take broker 3
    await cluster.start(4);
    expect((await cluster.waitForState('unclean', 0, (s) => s.leaderAndIsr.leader === 3)).leaderAndIsr).toMatchObject({ leaderEpoch: 2, isr: [3] });
    await eventually('broker 3 told it leads', () => leaderAndIsrFor(b3, 'unclean', from).some((s) => s.leader === 3 && s.leaderEpoch === 2));
  });
});
