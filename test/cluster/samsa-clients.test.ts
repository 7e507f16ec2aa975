import { beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Consumer } from '../../src/clients/consumer/consumer-constructor.js';
import type { ConsumerRecord } from '../../src/clients/consumer/consumer-records.js';
import { LogTruncationError } from '../../src/clients/consumer/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Cleanup } from '../cleanup.js';
import { expectError } from '../errors.js';
import { waitFor } from '../wait-for.js';
import { type TestCluster, waitUntil } from './cluster-harness.js';
import { shareCluster } from './shared-cluster.js';

// samsa's own clients against a three-broker cluster whose brokers die and shut down under them:
// the producer's acknowledged records are stored once, the consumer follows leaders and detects
// a truncated log as Kafka's does (KIP-320), the admin client works from any broker.

type Acked = { partition: number; offset: number };

describe("samsa's clients on a three-broker cluster", () => {
  const cleanup = new Cleanup();
  const shared = shareCluster(cleanup);
  let cluster: TestCluster;
  let admin: Admin;
  beforeAll(() => ({ cluster, admin } = shared));

  async function leaderOf(topic: string, partition: number): Promise<number> {
    const [described] = await admin.describeTopics([topic]);
    return described!.partitions[partition]!.leader?.id ?? -1;
  }

  async function inSync(topic: string, replicas: number): Promise<boolean> {
    const [described] = await admin.describeTopics([topic]);
    return described!.partitions.every((p) => p.leader !== null && p.isr.length === replicas);
  }

  /** Every record of a topic's partitions, read from the start with a consumer of no group. */
  async function readAll(topic: string, partitions: number): Promise<Array<ConsumerRecord<string, string>>> {
    const consumer = cleanup.add(
      new Consumer<string, string>({
        'bootstrap.servers': cluster.bootstrap,
        'key.deserializer': 'string',
        'value.deserializer': 'string',
        'auto.offset.reset': 'earliest',
      }),
      (c) => c.close(),
    );
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    consumer.assign(tps);
    const ends = await consumer.endOffsets(tps);
    const total = ends.reduce((sum, e) => sum + e.offset, 0);
    const records: Array<ConsumerRecord<string, string>> = [];
    while (records.length < total) records.push(...(await consumer.poll(1000)));
    return records;
  }

  it('the producer (acks=all, retries) keeps sending through a leader SIGKILL and a controlled shutdown; every acknowledged record is stored once, at its offset', {
    timeout: 300_000,
  }, async () => {
    const topic = 'produce-through-failover';
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    const producer = cleanup.add(new Producer<string, string>({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 2 }), (p) => p.close());
    const acked = new Map<string, Acked>();
    const failed: string[] = [];
    let sent = 0;
    let running = true;
    const sending = (async () => {
      while (running) {
        // A bounded window in flight: the load is steady, and a stall shows as no progress.
        await Promise.all(
          Array.from({ length: 50 }, () => {
            const value = `v${sent++}`;
            return producer.send({ topic, key: value, value }).then(
              (m) => void acked.set(value, { partition: m.partition, offset: m.offset }),
              (e: Error) => void failed.push(`${value}: ${e.message}`),
            );
          }),
        );
      }
    })();
    const progress = async (what: string) => {
      const from = acked.size;
      await waitFor(() => acked.size >= from + 1000 || failed.length > 0, what, 120_000);
    };
    await progress('records acknowledged before any fault');

    const killed = await leaderOf(topic, 0);
    await cluster.kill(killed);
    await progress('records acknowledged after the leader of partition 0 was killed');
    await cluster.startBroker(killed);
    await waitUntil(() => inSync(topic, 3), 'the killed broker back in every ISR', 120_000);

    const stopped = await leaderOf(topic, 1);
    expect(await cluster.stop(stopped)).toBe(0);
    await progress('records acknowledged after the leader of partition 1 shut down');
    running = false;
    await sending;
    await producer.flush();
    expect(failed).toEqual([]);

    const records = await readAll(topic, 3);
    const stored = new Map<string, Acked[]>();
    for (const r of records) stored.set(r.value, [...(stored.get(r.value) ?? []), { partition: r.partition, offset: r.offset }]);
    expect([...stored].filter(([, places]) => places.length > 1)).toEqual([]);
    expect(stored.size).toBe(sent);
    expect(
      [...acked].filter(([value, place]) => stored.get(value)?.[0]?.offset !== place.offset || stored.get(value)?.[0]?.partition !== place.partition),
    ).toEqual([]);

    await cluster.startBroker(stopped);
    await waitUntil(() => inSync(topic, 3), 'the stopped broker back in every ISR', 120_000);
  });

  it('the consumer follows the leader through a controlled shutdown (FENCED_LEADER_EPOCH from the old leader) and a SIGKILL, every record once and in order', {
    timeout: 300_000,
  }, async () => {
    const topic = 'consume-through-failover';
    await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    const producer = cleanup.add(new Producer<string, string>({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 2 }), (p) => p.close());
    const consumer = cleanup.add(
      new Consumer<string, string>({
        'bootstrap.servers': cluster.bootstrap,
        'value.deserializer': 'string',
        'auto.offset.reset': 'none', // a position the new leader refused would be an error, not a silent reset
        'metadata.max.age.ms': 60_000, // leader changes are found through the errors, not a periodic refresh
      }),
      (c) => c.close(),
    );
    consumer.assign([{ topic, partition: 0 }]);
    consumer.seek({ topic, partition: 0 }, 0);
    const offsets: number[] = [];
    const errors: string[] = [];
    let total = 0;
    let running = true;
    const consuming = (async () => {
      while (running) {
        try {
          for (const r of await consumer.poll(200)) {
            offsets.push(r.offset);
            expect(r.value).toBe(`v${r.offset}`);
          }
        } catch (e) {
          // Any error fails the test (consumedAll): polling on would only repeat it.
          errors.push(String(e));
          return;
        }
      }
    })();
    const produce = async (count: number) => {
      await Promise.all(Array.from({ length: count }, () => producer.send({ topic, partition: 0, value: `v${total++}` })));
    };
    const consumedAll = async () => {
      await waitFor(() => offsets.length >= total || errors.length > 0, `the consumer to read ${total} records`, 120_000);
      expect(errors).toEqual([]);
    };

    // A second consumer polls only before and after the leader changes: its first fetch after goes to the
    // old leader, now a follower with a newer epoch, which fences it; it finds the new leader from there.
    const logged: string[] = [];
    const stale = cleanup.add(
      new Consumer<string, string>(
        { 'bootstrap.servers': cluster.bootstrap, 'value.deserializer': 'string', 'auto.offset.reset': 'none', 'metadata.max.age.ms': 60_000 },
        { log: (_, message) => logged.push(message) },
      ),
      (c) => c.close(),
    );
    stale.assign([{ topic, partition: 0 }]);
    stale.seek({ topic, partition: 0 }, 0);
    const staleOffsets: number[] = [];
    const staleReads = async (end: number) => {
      while (staleOffsets.length < end) for (const r of await stale.poll(200)) staleOffsets.push(r.offset);
    };

    await produce(500);
    await consumedAll();
    await staleReads(500);
    const first = await leaderOf(topic, 0);
    expect(await cluster.stop(first)).toBe(0);
    await produce(500);
    await consumedAll();
    expect(await leaderOf(topic, 0)).not.toBe(first);
    await cluster.startBroker(first);
    await waitUntil(() => inSync(topic, 3), 'the stopped broker back in the ISR', 120_000);
    await staleReads(1000);
    expect(staleOffsets).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(logged).toContain(`fetch of ${topic}-0 answered FENCED_LEADER_EPOCH: refreshing metadata`);

    const second = await leaderOf(topic, 0);
    await cluster.kill(second);
    await produce(500);
    await consumedAll();
    running = false;
    await consuming;
    expect(errors).toEqual([]);
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i));
    await cluster.startBroker(second);
    await waitUntil(() => inSync(topic, 3), 'the killed broker back in the ISR', 120_000);
  });

  it('the consumer detects a log truncated by an unclean leader election (KIP-320): an error without a reset policy, the divergent offset with one, and from a committed offset', {
    timeout: 300_000,
  }, async () => {
    const topic = 'truncated';
    const [a, b] = cluster.brokerIds;
    await admin.createTopics([
      { name: topic, replicasAssignments: { 0: [a!, b!] }, configs: { 'unclean.leader.election.enable': 'true', 'min.insync.replicas': '1' } },
    ]);
    await waitUntil(() => inSync(topic, 2), 'both replicas in sync', 60_000);
    const producer = cleanup.add(new Producer<string, string>({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 }), (p) => p.close());
    const produce = (from: number, count: number, prefix: string) =>
      Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, partition: 0, value: `${prefix}${from + i}` })));
    const tp = { topic, partition: 0 };
    const consumer = (settings: Record<string, string>) =>
      cleanup.add(new Consumer<string, string>({ 'bootstrap.servers': cluster.bootstrap, 'value.deserializer': 'string', ...settings }), (c) => c.close());
    const readTo = async (c: Consumer<string, string>, end: number) => {
      const got: Array<ConsumerRecord<string, string>> = [];
      do got.push(...(await c.poll(200)));
      while (c.assignment().length === 0 || (await c.position(tp)) < end);
      return got;
    };

    const strict = consumer({ 'auto.offset.reset': 'none' });
    const lenient = consumer({ 'auto.offset.reset': 'earliest' });
    const member = consumer({ 'group.id': 'truncated-readers', 'auto.offset.reset': 'earliest', 'enable.auto.commit': 'false' });
    for (const c of [strict, lenient]) {
      c.assign([tp]);
      c.seek(tp, 0);
    }
    member.subscribe([topic]);

    await produce(0, 10, 'kept-');
    // b dies: a leads alone, and takes ten records b never sees.
    await cluster.kill(b!);
    await waitUntil(async () => (await admin.describeTopics([topic]))[0]!.partitions[0]!.isr.join() === String(a), 'the ISR to shrink to the leader', 60_000);
    await produce(10, 10, 'lost-');
    const read = await readTo(strict, 20);
    await readTo(lenient, 20);
    await readTo(member, 20);
    await member.commitSync();
    const keptEpoch = read[0]!.leaderEpoch!;
    expect(read.map((r) => r.value)).toEqual([...Array.from({ length: 10 }, (_, i) => `kept-${i}`), ...Array.from({ length: 10 }, (_, i) => `lost-${10 + i}`)]);
    await member.close();

    // a dies too; b comes back, out of sync, and is elected all the same (unclean.leader.election.enable).
    await cluster.kill(a!);
    await cluster.startBroker(b!);
    await waitUntil(async () => (await leaderOf(topic, 0)) === b, 'b to lead after an unclean election', 120_000);

    // Without a reset policy: LogTruncationError, naming where the log diverges; no record of the new leader is returned.
    let truncation: unknown;
    while (truncation === undefined) {
      try {
        expect((await strict.poll(200)).count).toBe(0);
      } catch (e) {
        truncation = e;
      }
    }
    const error = expectError(truncation, LogTruncationError, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }, /Truncation detected for partitions truncated-0/);
    expect(error.offsets).toEqual([{ topic, partition: 0, offset: 20 }]);
    expect(error.divergentOffsets).toEqual([{ topic, partition: 0, offset: 10, leaderEpoch: keptEpoch }]);

    // With one: the consumer goes on from the first offset known to diverge, and reads what the new leader writes there
    // (from a new producer: the old one's sequence numbers went on past what b has, and b would refuse them).
    const fresh = cleanup.add(new Producer<string, string>({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 }), (p) => p.close());
    await Promise.all(Array.from({ length: 5 }, (_, i) => fresh.send({ topic, partition: 0, value: `new-${10 + i}` })));
    const resumed = await readTo(lenient, 15);
    expect(resumed.map((r) => [r.offset, r.value])).toEqual(Array.from({ length: 5 }, (_, i) => [10 + i, `new-${10 + i}`]));

    // A member of the group resumes from its committed offset (20, with its leader epoch): validated, it is found truncated too.
    const [committed] = await admin.listConsumerGroupOffsets('truncated-readers');
    expect(committed).toMatchObject({ partition: 0, offset: 20 });
    const rejoined = consumer({ 'group.id': 'truncated-readers', 'auto.offset.reset': 'none', 'enable.auto.commit': 'false' });
    rejoined.subscribe([topic]);
    let fromCommit: unknown;
    while (fromCommit === undefined) {
      try {
        expect((await rejoined.poll(200)).count).toBe(0);
      } catch (e) {
        fromCommit = e;
      }
    }
    expect(expectError(fromCommit, LogTruncationError, {}, /truncated-0/).divergentOffsets).toEqual([
      { topic, partition: 0, offset: 10, leaderEpoch: keptEpoch },
    ]);

    await cluster.startBroker(a!);
    await waitUntil(() => inSync(topic, 2), 'a back in the ISR, its log truncated to the new leader', 120_000);
  });

  it('the admin client works from any broker alone, and routes topic changes to the controller wherever it moves', { timeout: 300_000 }, async () => {
    await admin.createTopics([{ name: 'admin-offsets', numPartitions: 1, replicationFactor: 3 }]);
    // The group's coordinator refuses the commit (UNKNOWN_TOPIC_OR_PARTITION, as Kafka's) until the controller's
    // UpdateMetadata has told it of the topic: createTopics returns once the controller's own metadata shows it.
    await waitUntil(async () => {
      await admin.alterConsumerGroupOffsets('admin-listed', [{ topic: 'admin-offsets', partition: 0, offset: 0 }]);
      return true;
    }, 'a commit of admin-offsets-0 at the coordinator');
    for (const id of cluster.brokerIds) {
      const only = cleanup.add(new Admin({ 'bootstrap.servers': `127.0.0.1:${cluster.port(id)}`, 'default.api.timeout.ms': 60_000 }), (c) => c.close());
      const topic = `admin-via-${id}`;
      const [created] = await only.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 3 }]);
      expect(created).toMatchObject({ name: topic, numPartitions: 2, replicationFactor: 3 });
      const [described] = await only.describeTopics([topic]);
      expect(described!.partitions.map((p) => [...p.replicas].sort())).toEqual([
        [1, 2, 3],
        [1, 2, 3],
      ]);
      const description = await only.describeCluster();
      expect(description.nodes.map((n) => n.id).sort()).toEqual([1, 2, 3]);
      expect(cluster.brokerIds).toContain(description.controller?.id);
      expect((await only.listConsumerGroups()).map((g) => g.groupId)).toContain('admin-listed');
      await only.deleteTopics([topic]);
      await waitFor(async () => !(await only.listTopics()).includes(topic), `${topic} to be gone`, 60_000);
    }

    // The controller dies: the next topic change finds the new one.
    const controller = (await admin.describeCluster()).controller!.id;
    await cluster.kill(controller);
    const [created] = await admin.createTopics([{ name: 'after-controller-died', numPartitions: 1, replicationFactor: 2 }]);
    expect(created!.name).toBe('after-controller-died');
    // Every broker learns of the new controller and the dead broker from the controller's UpdateMetadata, a moment apart.
    await waitUntil(async () => {
      const after = await admin.describeCluster();
      return after.controller !== null && after.controller.id !== controller && !after.nodes.some((n) => n.id === controller);
    }, 'a new controller, and the killed broker gone from describeCluster');
    await admin.deleteTopics(['after-controller-died']);
    await cluster.startBroker(controller);
    await waitUntil(async () => (await admin.describeCluster()).nodes.length === 3, 'the killed broker back in the cluster', 120_000);
  });
});
