import { describe, expect, it } from 'vitest';
import { ControllerMovedError, KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { type BrokerInfo, type LeaderIsrAndControllerEpoch, PERSISTENT_ZK_PATHS } from '../../src/zk/zk-data.js';
import { ZkError } from '../../src/zk/zk-error.js';
import { EventLog } from './event-log.js';
import { useZooKeeper } from './fixture.js';

const zookeeper = useZooKeeper();

/** Clients sharing one fresh chroot, as the brokers of one cluster; closed when the test ends. */
async function cluster(count: number): Promise<KafkaZkClient[]> {
  const connect = `${zookeeper.server.connectString}${zookeeper.chroot()}`;
  const made: KafkaZkClient[] = [];
  for (let i = 0; i < count; i++) {
    made.push(zookeeper.track(await KafkaZkClient.connect({ 'zookeeper.connect': connect, 'zookeeper.session.timeout.ms': 6000 })));
  }
  await made[0].createTopLevelPaths();
  return made;
}

async function rawJson(client: KafkaZkClient, path: string): Promise<string> {
  return (await client.zk.getData(path)).data!.toString();
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function broker(id: number, port = 9092): BrokerInfo {
  return {
    id,
    endpoints: [
      { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: `broker-${id}`, port },
      { listenerName: 'REPLICATION', securityProtocol: 'PLAINTEXT', host: '::1', port: port + 1 },
    ],
    rack: null,
    jmxPort: -1,
    features: {},
  };
}

const state = (leader: number, isr: number[], leaderEpoch: number, controllerEpoch: number, partitionEpoch = 0): LeaderIsrAndControllerEpoch => ({
  leaderAndIsr: { leader, leaderEpoch, isr, leaderRecoveryState: 0, partitionEpoch },
  controllerEpoch,
});

describe('KafkaZkClient', () => {
  it("creates Kafka's top-level paths, and keeps the first cluster id", async () => {
    const [zk, other] = await cluster(2);
    for (const path of PERSISTENT_ZK_PATHS) expect(await zk.zk.exists(path), path).not.toBeNull();
    expect(PERSISTENT_ZK_PATHS).toContain('/config/topics');
    await other.createTopLevelPaths(); // again: nothing to do

    expect(await zk.getClusterId()).toBeUndefined();
    expect(await zk.createOrGetClusterId('IOejp_IKSbWbySJc0sRrKw')).toBe('IOejp_IKSbWbySJc0sRrKw');
    expect(await other.createOrGetClusterId('another-id')).toBe('IOejp_IKSbWbySJc0sRrKw');
    expect(await rawJson(zk, '/cluster/id')).toBe('{"version":"1","id":"IOejp_IKSbWbySJc0sRrKw"}');
  });

  it('generates broker ids above reserved.broker.max.id from /brokers/seqid, unique across clients', async () => {
    const [a, b] = await cluster(2);
    await a.zk.delete('/brokers/seqid'); // generated on first use as well
    const ids = await Promise.all([a.generateBrokerId(), b.generateBrokerId(), a.generateBrokerId(), b.generateBrokerId()]);
    expect([...ids].sort()).toEqual([1001, 1002, 1003, 1004]);
    expect(await a.generateBrokerId(2000)).toBe(2005);
    expect((await a.zk.exists('/brokers/seqid'))?.version).toBe(5);
  });

  it('registers brokers as ephemeral version 5 JSON, and refuses an id another session holds', async () => {
    const [zk, other] = await cluster(2);
    const epoch = await zk.registerBroker(broker(1), 1614570663881);
    expect(JSON.parse(await rawJson(zk, '/brokers/ids/1'))).toEqual({
      features: {},
      listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT', REPLICATION: 'PLAINTEXT' },
      endpoints: ['PLAINTEXT://broker-1:9092', 'REPLICATION://[::1]:9093'],
      jmx_port: -1,
      host: 'broker-1',
      timestamp: '1614570663881',
      port: 9092,
      version: 5,
    });
    const stat = await other.zk.exists('/brokers/ids/1');
    expect(stat?.ephemeralOwner).toBe(zk.zk.sessionId);
    expect(epoch).toBe(stat?.czxid);
    // registering again in the same session (a retry) is the same registration
    expect(await zk.registerBroker(broker(1), 1614570663881)).toBe(epoch);

    const taken = await caught(other.registerBroker(broker(1)));
    expect(taken).toBeInstanceOf(ZkError);
    expect((taken as ZkError).code).toBe('NODEEXISTS');

    await other.registerBroker({ ...broker(2, 9192), rack: 'rack-b' });
    const brokers = await zk.getAllBrokersInCluster();
    expect(brokers.map((b) => b.id)).toEqual([1, 2]);
    expect(brokers[0]).toMatchObject({ id: 1, version: 5, rack: null, timestampMs: 1614570663881, epoch });
    expect(brokers[0].endpoints[1]).toEqual({ listenerName: 'REPLICATION', securityProtocol: 'PLAINTEXT', host: '::1', port: 9093 });
    expect(brokers[1].rack).toBe('rack-b');

    await zookeeper.close(other);
    expect(await zk.getSortedBrokerList()).toEqual([1]);
    expect(await zk.getBroker(2)).toBeUndefined();
  });

  it('elects one controller of two racing, and the other once the first has gone', async () => {
    const [a, b, observer] = await cluster(3);
    const outcomes = await Promise.all([
      a.registerController(1, 1571666282268).then(
        (e) => e,
        (e: unknown) => e,
      ),
      b.registerController(2).then(
        (e) => e,
        (e: unknown) => e,
      ),
    ]);
    const winner = outcomes.findIndex((o) => !(o instanceof Error));
    const loser = 1 - winner;
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(outcomes[loser]).toBeInstanceOf(ControllerMovedError);
    expect(outcomes[winner]).toEqual({ epoch: 1, zkVersion: 1 });
    const [winnerClient, loserClient] = winner === 0 ? [a, b] : [b, a];
    const [winnerId, loserId] = winner === 0 ? [1, 2] : [2, 1];
    expect(await observer.getControllerId()).toBe(winnerId);
    expect(await observer.readControllerEpoch()).toEqual({ epoch: 1, zkVersion: 1 });
    expect(await rawJson(observer, '/controller_epoch')).toBe('1');
    expect(JSON.parse(await rawJson(observer, '/controller'))).toMatchObject({ version: 1, brokerid: winnerId });

    // the loser watches /controller, as Kafka's controller does, and runs again when it goes
    const events = new EventLog();
    let reelected: Promise<unknown> | undefined;
    expect(
      await loserClient.zk.registerZNodeChangeHandler({
        path: '/controller',
        handleDeletion: () => {
          events.push('deleted');
          reelected = loserClient.registerController(loserId);
        },
      }),
    ).toBe(true);
    await zookeeper.close(winnerClient);
    await events.waitFor('deleted');
    expect(await reelected).toEqual({ epoch: 2, zkVersion: 2 });
    expect(await observer.getControllerId()).toBe(loserId);

    // the old controller's epoch version no longer fences anything
    const stale = await caught(observer.incrementControllerEpoch({ epoch: 1, zkVersion: 1 }));
    expect(stale).toBeInstanceOf(ControllerMovedError);
    expect(await observer.readControllerEpoch()).toEqual({ epoch: 2, zkVersion: 2 });
    expect(await loserClient.incrementControllerEpoch({ epoch: 2, zkVersion: 2 })).toEqual({ epoch: 3, zkVersion: 3 });
  });

  it('writes topics and partition states, conditional on versions and fenced by the controller epoch', async () => {
    const [controller, broker1] = await cluster(2);
    const topicId = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    await controller.createTopicAssignment(
      'orders',
      topicId,
      new Map([
        [0, [1, 2]],
        [1, [2, 1]],
      ]),
    );
    expect(JSON.parse(await rawJson(controller, '/brokers/topics/orders'))).toEqual({
      partitions: { 0: [1, 2], 1: [2, 1] },
      topic_id: 'ASNFZ4mrze8BI0VniavN7w',
      adding_replicas: {},
      removing_replicas: {},
      version: 3,
    });
    const assignment = await broker1.getTopicAssignment('orders');
    expect(assignment?.topicId?.equals(topicId)).toBe(true);
    expect(assignment?.partitions.get(1)).toEqual({ replicas: [2, 1], addingReplicas: [], removingReplicas: [] });
    expect((await caught(controller.createTopicAssignment('orders', topicId, new Map([[0, [1]]])))) as ZkError).toMatchObject({ code: 'NODEEXISTS' });
    expect(await broker1.getAllTopicsInCluster()).toEqual(['orders']);
    expect(await broker1.topicExists('orders')).toBe(true);

    const { epoch, zkVersion } = await controller.registerController(1);
    const p0 = { topic: 'orders', partition: 0 };
    const p1 = { topic: 'orders', partition: 1 };
    const created = await controller.createTopicPartitionStates(
      [
        { tp: p0, state: state(1, [1, 2], 0, epoch) },
        { tp: p1, state: state(2, [2, 1], 0, epoch) },
      ],
      zkVersion,
    );
    expect(created.map((r) => r.ok && r.value.partitionEpoch)).toEqual([0, 0]);
    expect(await rawJson(broker1, '/brokers/topics/orders/partitions/0/state')).toBe(
      '{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}',
    );
    const again = await controller.createTopicPartitionStates([{ tp: p0, state: state(1, [1], 0, epoch) }], zkVersion);
    expect(again[0].ok === false && (again[0].error as ZkError).code).toBe('NODEEXISTS');

    // a leader change written at the version it was read at; a write from an older read must retry
    const read = await broker1.getTopicPartitionState(p0);
    expect(read).toEqual(state(1, [1, 2], 0, epoch, 0));
    const shrunk = await controller.updateLeaderAndIsr([{ tp: p0, leaderAndIsr: { ...read!.leaderAndIsr, isr: [1], leaderEpoch: 1 } }], epoch, zkVersion);
    expect(shrunk.retry).toEqual([]);
    expect(shrunk.finished).toEqual([{ tp: p0, ok: true, value: { leader: 1, leaderEpoch: 1, isr: [1], leaderRecoveryState: 0, partitionEpoch: 1 } }]);
    const stale = await controller.updateLeaderAndIsr([{ tp: p0, leaderAndIsr: { ...read!.leaderAndIsr, leader: 2 } }], epoch, zkVersion);
    expect(stale).toEqual({ finished: [], retry: [p0] });
    const missing = await controller.updateLeaderAndIsr([{ tp: { topic: 'orders', partition: 9 }, leaderAndIsr: read!.leaderAndIsr }], epoch, zkVersion);
    expect(missing.finished[0].ok === false && (missing.finished[0].error as ZkError).code).toBe('NONODE');

    // once another controller has bumped the epoch, the old one's writes are refused
    await broker1.incrementControllerEpoch({ epoch, zkVersion });
    const fenced = await caught(controller.updateLeaderAndIsr([{ tp: p1, leaderAndIsr: { ...state(2, [2], 1, epoch).leaderAndIsr } }], epoch, zkVersion));
    expect(fenced).toBeInstanceOf(ControllerMovedError);
    expect(await broker1.getTopicPartitionStates([p0, p1, { topic: 'orders', partition: 9 }])).toEqual([
      { tp: p0, state: state(1, [1], 1, epoch, 1) },
      { tp: p1, state: state(2, [2, 1], 0, epoch, 0) },
    ]);
    expect(await caught(controller.deleteTopicZNode('orders', zkVersion))).toBeInstanceOf(ControllerMovedError);
    await controller.deleteTopicZNode('orders', zkVersion + 1);
    expect(await broker1.topicExists('orders')).toBe(false);
  });

  it('keeps topic configs with change notifications, and topic deletions', async () => {
    const [admin, brokerClient] = await cluster(2);
    expect(await admin.getTopicConfig('orders')).toEqual({});
    await admin.setTopicConfig('orders', { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    expect(await rawJson(admin, '/config/topics/orders')).toBe('{"version":1,"config":{"retention.ms":"1000","cleanup.policy":"compact"}}');
    await admin.setTopicConfig('orders', { 'retention.ms': '2000' });
    expect(await brokerClient.getTopicConfig('orders')).toEqual({ 'retention.ms': '2000' });
    expect(await brokerClient.getAllEntitiesWithConfig('topics')).toEqual(['orders']);
    const changes = await brokerClient.getConfigChangeNotifications();
    expect(changes).toEqual([
      { name: 'config_change_0000000000', entityPath: 'topics/orders' },
      { name: 'config_change_0000000001', entityPath: 'topics/orders' },
    ]);
    expect(await rawJson(admin, '/config/changes/config_change_0000000000')).toBe('{"version":2,"entity_path":"topics/orders"}');

    const { zkVersion } = await admin.registerController(0);
    await admin.markTopicForDeletion('orders');
    expect((await caught(admin.markTopicForDeletion('orders'))) as ZkError).toMatchObject({ code: 'NODEEXISTS' });
    expect(await brokerClient.isTopicMarkedForDeletion('orders')).toBe(true);
    expect(await brokerClient.getTopicDeletions()).toEqual(['orders']);
    await admin.deleteTopicConfigs(['orders'], zkVersion);
    await admin.deleteTopicDeletions(['orders'], zkVersion);
    expect(await brokerClient.getTopicDeletions()).toEqual([]);
    expect(await brokerClient.getTopicConfig('orders')).toEqual({});
  });

  it('writes reassignments and ISR change notifications as Kafka does', async () => {
    const [zk] = await cluster(1);
    expect(await zk.reassignPartitionsInProgress()).toBe(false);
    await zk.createPartitionReassignment([{ tp: { topic: 'orders', partition: 0 }, replicas: [3, 1] }]);
    expect(await rawJson(zk, '/admin/reassign_partitions')).toBe('{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[3,1]}]}');
    expect(await zk.getPartitionReassignment()).toEqual([{ tp: { topic: 'orders', partition: 0 }, replicas: [3, 1] }]);

    const path = await zk.propagateIsrChanges([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    expect(path).toBe('/isr_change_notification/isr_change_0000000000');
    expect(await rawJson(zk, path)).toBe('{"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1}]}');
    await zk.propagateIsrChanges([{ topic: 'audit', partition: 2 }]);
    const pending = await zk.getAllIsrChangeNotifications();
    expect(pending).toEqual(['0000000000', '0000000001']);
    expect(await zk.getPartitionsFromIsrChangeNotifications(pending)).toEqual([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
      { topic: 'audit', partition: 2 },
    ]);

    const { zkVersion } = await zk.registerController(0);
    await zk.deleteIsrChangeNotifications(pending, zkVersion);
    await zk.deletePartitionReassignment(zkVersion);
    expect(await zk.getAllIsrChangeNotifications()).toEqual([]);
    expect(await zk.reassignPartitionsInProgress()).toBe(false);
  });
});
