import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { decodeResponse, RawClient, requestFrame } from '../broker/raw-client.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

const TOPIC = 'window';

/**
 * A SIGKILLed broker restarted at once listens while it waits out its
 * previous ZooKeeper session (about zookeeper.session.timeout.ms) before it
 * registers; until then the controller has told it nothing, and what reaches
 * it from the controller was meant for the process that died. Both were
 * found by `npm run chaos`, where librdkafka failed every queued record of the
 * topic on such a broker's answers.
 */
describe('a restarted broker before it registers', () => {
  let cluster: TestCluster;
  let admin: Admin;
  let zk: KafkaZkClient;

  beforeAll(async () => {
    // A long session: the restarted broker waits this long from the kill before it can register, a window wide enough to look into.
    cluster = await TestCluster.start({ brokers: 3, settings: { 'zookeeper.session.timeout.ms': '20000' } });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    zk = await KafkaZkClient.connect({ 'zookeeper.connect': cluster.connectString, 'zookeeper.session.timeout.ms': 6000 });
    await cluster.waitUntilRegistered();
  }, 120_000);

  afterAll(async () => {
    await zk?.close();
    await admin?.close();
    await cluster?.close();
  });

  it('answers Metadata for a topic it does not know yet with LEADER_NOT_AVAILABLE, and refuses a partial UpdateMetadata meant for its previous process', {
    timeout: 180_000,
  }, async () => {
    await admin.createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 3 }]);
    await waitUntil(async () => (await admin.describeTopics([TOPIC]))[0]!.partitions.every((p) => p.isr.length === 3), 'every replica in sync');
    const previousEpoch = (await zk.getAllBrokersInCluster()).find((b) => b.id === 2)!.epoch;
    const controllerEpoch = (await zk.readControllerEpoch())!.epoch;

    await cluster.kill(2);
    const restarting = cluster.startBroker(2); // resolves once it has registered
    const clients: RawClient[] = [];
    try {
      await waitUntil(async () => {
        clients.push(await RawClient.connect(cluster.port(2)));
        return true;
      }, 'the restarted broker accepting connections');
      const [controllerSide] = clients.slice(-1);
      const clientSide = await RawClient.connect(cluster.port(2));
      clients.push(clientSide);

      // What the controller had queued for the dead process: this topic with partition 0 only.
      controllerSide!.write(
        requestFrame(
          'UpdateMetadata',
          7,
          {
            controllerId: 1,
            controllerEpoch,
            brokerEpoch: previousEpoch,
            topicStates: [
              {
                topicName: TOPIC,
                topicId: Buffer.alloc(16, 1),
                partitionStates: [
                  { partitionIndex: 0, controllerEpoch, leader: 1, leaderEpoch: 5, isr: [1, 3], zkVersion: 5, replicas: [1, 2, 3], offlineReplicas: [] },
                ],
              },
            ],
            liveBrokers: [{ id: 1, endpoints: [{ port: cluster.port(1), host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }], rack: null }],
          },
          1,
        ),
      );

      const metadata = await clientSide.request('Metadata', 4, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
      // Still the previous process's registration (or none): the answer came before this one registered.
      const registered = (await zk.getAllBrokersInCluster()).find((b) => b.id === 2);
      expect(registered === undefined || registered.epoch === previousEpoch).toBe(true);
      expect(metadata.topics).toHaveLength(1);
      expect(metadata.topics[0].errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
      expect(metadata.topics[0].partitions).toEqual([]);

      await restarting;
      const staleAnswer = await controllerSide!.nextFrame(60_000);
      expect(staleAnswer).not.toBeNull();
      expect(decodeResponse('UpdateMetadata', 7, staleAnswer!).body.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);

      // Then the controller's own UpdateMetadata: every partition, as the other brokers show it.
      await waitUntil(async () => {
        const after = await clientSide.request('Metadata', 4, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false });
        return after.topics[0].errorCode === ErrorCode.NONE && after.topics[0].partitions.length === 3;
      }, 'the restarted broker showing the topic whole');
    } finally {
      for (const c of clients) c.close();
      await restarting.catch(() => undefined);
    }
  });
});
