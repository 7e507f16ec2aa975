import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { Cleanup } from '../cleanup.js';
import { BACKENDS } from '../interop/backends.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import {
  kcat,
  kcatMetadata,
  numbered,
  partitionState,
  python,
  readAll,
  type SeenMetadata,
  waitForEqualReplicaSizes,
  waitForIsr,
  zkReader,
} from './cluster-probe.js';

const BROKERS = [1, 2, 3];
const PARTITIONS = 3;
const CLIENTS = ['kcat', 'confluent-kafka', 'kafka-python', 'kafkajs'] as const;
type Client = (typeof CLIENTS)[number];

// The interop suite's Python driver: acks=all produce of 100 keyed records to partition 0, and a consume of them.
const INTEROP_SCRIPT = fileURLToPath(new URL('../interop/python/clients.py', import.meta.url));

function interopPython(client: string, action: string, bootstrap: string, topic: string, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [INTEROP_SCRIPT, client, action, bootstrap, topic, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${client} ${action} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe.each(BACKENDS)('a three-broker cluster on the %s backend', (backend) => {
  const cleanup = new Cleanup();
  let cluster: TestCluster;
  let zk: KafkaZkClient;
  let kafka: Kafka;

  beforeAll(async () => {
    cluster = cleanup.add(await TestCluster.start({ brokers: 3, backend }), (c) => c.close());
    zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    kafka = new Kafka({ clientId: 'samsa-cluster', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics(CLIENTS.map((c) => ({ name: c, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } })));
    for (const c of CLIENTS) await waitForIsr(zk, c, PARTITIONS, BROKERS, `${c} with three in-sync replicas`);
  }, 180_000);

  afterAll(() => cleanup.stopAll());

  async function seenBy(client: Client, topic: string): Promise<SeenMetadata> {
    if (client === 'kcat') return kcatMetadata(cluster.bootstrap, topic);
    if (client === 'kafkajs') {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const described = await admin.describeCluster();
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return {
          brokers: described.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
          partitions: topics[0]!.partitions
            .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: [...p.isr].sort((a, b) => a - b) }))
            .sort((a, b) => a.partition - b.partition),
        };
      } finally {
        await admin.disconnect();
      }
    }
    return python('metadata', cluster.bootstrap, topic, client);
  }

  it.each(CLIENTS)('%s sees the three brokers, the replicas and the in-sync replicas ZooKeeper holds', { timeout: 60_000 }, async (client) => {
    const seen = await seenBy(client, client);
    expect(seen.brokers).toEqual(BROKERS);
    expect(seen.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of seen.partitions) {
      const state = await partitionState(zk, client, p.partition);
      expect([...p.replicas].sort()).toEqual(BROKERS);
      expect(p.leader).toBe(state.leader);
      expect(p.isr).toEqual([...state.isr].sort());
      expect(p.isr).toEqual(BROKERS);
    }
    // Kafka's placement spreads the leaders: each broker leads one of the three partitions.
    expect(new Set(seen.partitions.map((p) => p.leader)).size).toBe(3);
  });

  it.each(CLIENTS)('%s produces with acks=all and consumes back through the leaders', { timeout: 90_000 }, async (client) => {
    const topic = client;
    const expected = numbered(client, 100);
    if (client === 'kcat') {
      await kcat(['-b', cluster.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'acks=all'], `${expected.join('\n')}\n`);
      const read = await kcat(['-b', cluster.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
      expect(read.trim().split('\n')).toEqual(expected);
    } else if (client === 'kafkajs') {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const acks = await producer.send({ topic, acks: -1, messages: expected.map((value, i) => ({ key: `k${i}`, value, partition: 0 })) });
        expect(acks[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: '0' });
      } finally {
        await producer.disconnect();
      }
      // A consumer group: its coordinator leads a partition of the replicated __consumer_offsets.
      const consumer = kafka.consumer({ groupId: `cluster-${backend}`, retry: { retries: 10 } });
      const read: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void read.push(message.value!.toString()) });
        await waitUntil(() => read.length >= expected.length, 'KafkaJS to consume the records');
      } finally {
        await consumer.disconnect();
      }
      expect(read).toEqual(expected);
    } else {
      const produced = await interopPython(client, 'produce', cluster.bootstrap, topic, 'none', '100');
      expect(produced.offsets).toEqual(Array.from({ length: 100 }, (_, i) => i));
      const consumed = await interopPython(client, 'consume', cluster.bootstrap, topic, '100');
      expect(consumed.records.map((r: { value: string }) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => `value ${i}`));
      expect(consumed).toMatchObject({ begin: 0, end: 100 });
    }
    // Every replica holds what the leader stored.
    await waitForEqualReplicaSizes(cluster, BROKERS, topic, PARTITIONS);
    expect((await readAll(cluster.bootstrap, topic, PARTITIONS)).length).toBe(100);
  });
});
