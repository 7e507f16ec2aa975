import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { brokerRequest, controllerId, kcat, kcatMetadata, zkReader } from './cluster-probe.js';

const metadata = (cluster: TestCluster, topic: string) => kcatMetadata(cluster.bootstrap, topic);

describe('a three-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await TestCluster.start({ brokers: 3 });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.close();
  });

  it('creates a replicated topic whose replicas and ISR every client sees', { timeout: 120_000 }, async () => {
    await admin.createTopics([{ name: 'replicated', numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitUntil(async () => {
      const { partitions } = await metadata(cluster, 'replicated');
      return partitions.length === 3 && partitions.every((p) => p.isr.length === 3);
    }, 'every partition with three in-sync replicas');
    const md = await metadata(cluster, 'replicated');
    expect(md.brokers).toEqual([1, 2, 3]);
    const partitions = md.partitions;
    expect(partitions).toHaveLength(3);
    for (const p of partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.replicas[0]).toBe(p.leader);
    }
    // Leaders spread over the brokers.
    expect(new Set(partitions.map((p) => p.leader)).size).toBe(3);
  });

  it('keeps every acks=all record when the leader is killed, and the old leader catches up', { timeout: 180_000 }, async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `before-${i}`);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', 'replicated', '-p', '0', '-X', 'acks=all'], `${lines.join('\n')}\n`);
    const leader = (await metadata(cluster, 'replicated')).partitions.find((p) => p.partition === 0)!.leader;
    await cluster.kill(leader);
    await waitUntil(async () => {
      const p = (await metadata(cluster, 'replicated')).partitions.find((x) => x.partition === 0)!;
      return p.leader !== leader && p.leader >= 0;
    }, 'a new leader for partition 0');
    const more = Array.from({ length: 500 }, (_, i) => `after-${i}`);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', 'replicated', '-p', '0', '-X', 'acks=all'], `${more.join('\n')}\n`);
    const out = await kcat(['-b', cluster.bootstrap, '-C', '-t', 'replicated', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(out.trim().split('\n')).toEqual([...lines, ...more]);
    await cluster.startBroker(leader);
    await waitUntil(
      async () => (await metadata(cluster, 'replicated')).partitions.find((p) => p.partition === 0)!.isr.length === 3,
      'the restarted broker back in the ISR',
    );
  });

  it('sends a client asking a broker that does not host a partition to refresh its metadata (NOT_LEADER_OR_FOLLOWER), and one asking for a partition nobody has away (UNKNOWN_TOPIC_OR_PARTITION)', {
    timeout: 60_000,
  }, async () => {
    await admin.createTopics([{ name: 'single', numPartitions: 1, replicationFactor: 1 }]);
    let leader = -1;
    await waitUntil(async () => {
      leader = (await metadata(cluster, 'single')).partitions[0]?.leader ?? -1;
      return leader >= 0;
    }, 'a leader for the single-replica topic');
    const elsewhere = cluster.brokerIds.find((id) => id !== leader && cluster.isRunning(id))!;
    const produce = (partition: number) =>
      brokerRequest(cluster, elsewhere, (c) =>
        c.request(Api.Produce, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: 'single', partitionData: [{ index: partition, records: buildRecordBatch([{ key: null, value: Buffer.from('v') }]) }] }],
        }),
      );
    // The broker's metadata has partition 0 (the controller told every broker): the client must look for its leader.
    await waitUntil(async () => {
      const md = await brokerRequest(cluster, elsewhere, (c) =>
        c.request(Api.Metadata, { topics: [{ name: 'single' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
      );
      return md.topics[0]?.partitions[0]?.leaderId === leader;
    }, `broker ${elsewhere} to learn of the topic`);
    expect((await produce(0)).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await produce(1)).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("keeps a topic's configs when a broker whose metadata does not show it yet is asked to create it: Metadata's auto-creation answers LEADER_NOT_AVAILABLE, CreateTopics TOPIC_ALREADY_EXISTS", {
    timeout: 60_000,
  }, async () => {
    const zk = await zkReader(cluster);
    try {
      // The controller paused: no broker hears of the topic another broker's admin creates now.
      const controller = (await controllerId(zk))!;
      const lagging = cluster.brokerIds.find((id) => id !== controller && cluster.isRunning(id))!;
      cluster.pause(controller);
      try {
        await zk.setOrCreateEntityConfigs('topics', 'lagging', { 'min.insync.replicas': '2' });
        await zk.createTopicAssignment('lagging', null, new Map([[0, cluster.brokerIds]]));
        const md = await brokerRequest(cluster, lagging, (c) =>
          c.request(Api.Metadata, { topics: [{ name: 'lagging' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }),
        );
        expect(md.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
        const created = await brokerRequest(cluster, lagging, (c) =>
          c.request(Api.CreateTopics, {
            topics: [{ name: 'lagging', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
            timeoutMs: 5_000,
            validateOnly: false,
          }),
        );
        expect(created.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
        expect(await zk.getEntityConfigs('topics', 'lagging')).toEqual({ 'min.insync.replicas': '2' });
      } finally {
        cluster.resume(controller);
      }
      // The controller takes the topic on.
      await waitUntil(async () => ((await metadata(cluster, 'lagging')).partitions[0]?.leader ?? -1) >= 0, 'a leader for the topic');
      expect(await zk.getEntityConfigs('topics', 'lagging')).toEqual({ 'min.insync.replicas': '2' });
    } finally {
      await zk.close();
    }
  });
});
