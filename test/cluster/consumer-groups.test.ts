import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../src/broker/group/java-hash.js';
import type { Admin } from '../../src/clients/admin/admin.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { Cleanup } from '../cleanup.js';
import { waitFor } from '../wait-for.js';
import { type TestCluster, waitUntil } from './cluster-harness.js';
import { checkDeliveries, pythonGroup, type RunningGroup, samsaGroup } from './group-members.js';
import { shareCluster } from './shared-cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OFFSETS_PARTITIONS = 5; // FAST_CLUSTER's offsets.topic.num.partitions
const PARTITIONS = [0, 1, 2];

/** `samsa consumer-groups …` against the cluster, as a child process. */
function consumerGroupsCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', 'consumer-groups', ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `count` group ids whose groups live in the same __consumer_offsets partition (`partition` if given): one coordinator for all. */
function groupIdsSharingACoordinator(prefix: string, count: number, partition?: number): string[] {
  const byPartition = new Map<number, string[]>();
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const p = offsetsPartitionFor(id, OFFSETS_PARTITIONS);
    if (partition !== undefined && p !== partition) continue;
    const list = byPartition.get(p) ?? [];
    list.push(id);
    byPartition.set(p, list);
    if (list.length === count) return list;
  }
}

describe('consumer groups on a three-broker cluster', () => {
  const cleanup = new Cleanup();
  const shared = shareCluster(cleanup);
  let cluster: TestCluster;
  let admin: Admin;
  beforeAll(() => ({ cluster, admin } = shared));

  async function coordinatorOf(groupId: string): Promise<number> {
    return (await admin.describeConsumerGroups([groupId]))[0]!.coordinator.id;
  }

  async function endOffsets(topic: string): Promise<number[]> {
    const listed = await admin.listOffsets(PARTITIONS.map((partition) => ({ topic, partition, spec: 'latest' as const })));
    return listed.map((l) => l.offset);
  }

  async function committedOffsets(groupId: string): Promise<number[]> {
    const offsets = await admin.listConsumerGroupOffsets(groupId);
    return PARTITIONS.map((p) => offsets.find((o) => o.partition === p)?.offset ?? -1);
  }

  async function everyReplicaInSync(topics: string[]): Promise<boolean> {
    const described = await admin.describeTopics(topics);
    return described.every((t) => t.partitions.every((p) => p.isr.length === 3 && p.leader !== null));
  }

  it('members of confluent-kafka, kafka-python and samsa groups follow their coordinator to another broker when it is killed, and resume from their commits', {
    timeout: 300_000,
  }, async () => {
    const topic = 'group-orders';
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    const producer = cleanup.add(new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 1 }), (p) => p.close());
    const produce = (from: number, count: number) =>
      Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, key: `k${from + i}`, value: `v${from + i}` })));
    await produce(0, 300);

    const [samsaId, confluentId, pythonId] = groupIdsSharingACoordinator('orders', 3);
    const groups: RunningGroup[] = [
      cleanup.add(samsaGroup(cluster.bootstrap, topic, samsaId!, 2), (g) => g.stop()),
      cleanup.add(pythonGroup('confluent-kafka', cluster.bootstrap, topic, confluentId!, 2), (g) => g.stop()),
      cleanup.add(pythonGroup('kafka-python', cluster.bootstrap, topic, pythonId!, 2), (g) => g.stop()),
    ];
    await Promise.all(groups.map((g) => g.ready));
    let ends = await endOffsets(topic);
    await waitFor(
      async () => {
        for (const g of groups) if ((await committedOffsets(g.groupId)).some((o, p) => o !== ends[p])) return false;
        return true;
      },
      'every group to have consumed and committed the first records',
      120_000,
    );

    const coordinator = await coordinatorOf(samsaId!);
    for (const g of groups) expect(await coordinatorOf(g.groupId)).toBe(coordinator);
    // Records arrive while the coordinator dies: members are consuming and committing when it goes.
    const producing = produce(300, 600);
    await waitFor(
      () => groups.every((g) => g.log.events.length > 0 && g.log.seen(0).size + g.log.seen(1).size + g.log.seen(2).size > 300 + 30),
      'every group consuming the new records',
      60_000,
    );
    const marks = groups.map((g) => g.log.mark);
    await cluster.kill(coordinator);
    await producing;
    // And records after the kill, which only a commit at the new coordinator covers (a fast group may
    // have committed everything produced before it by then).
    await produce(900, 300);
    ends = await endOffsets(topic);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(1200);

    // Every record delivered, its commit acknowledged to the member after the kill (a Python member's
    // acknowledgement reaches the log a pipe's delay after the coordinator has it), and the coordinator's.
    const acknowledgedToEnds = (g: RunningGroup, i: number) => ends.every((end, p) => g.log.committedSince(marks[i]!).get(p) === end);
    await waitFor(
      async () => {
        for (const [i, g] of groups.entries())
          if (!g.log.covers(ends) || !acknowledgedToEnds(g, i) || (await committedOffsets(g.groupId)).some((o, p) => o !== ends[p])) return false;
        return true;
      },
      'every group to consume and commit every record at the new coordinator',
      180_000,
    );
    const newCoordinator = await coordinatorOf(samsaId!);
    expect(newCoordinator).not.toBe(coordinator);
    groups.forEach((g, i) => {
      const report = checkDeliveries(g.log, ends);
      expect({ client: g.client, violations: report.violations, errors: g.log.errors }).toEqual({ client: g.client, violations: [], errors: [] });
      // Commits after the kill were acknowledged (by the new coordinator) up to every partition's end.
      expect({ client: g.client, committed: [...g.log.committedSince(marks[i]!)].sort(([a], [b]) => a - b) }).toEqual({
        client: g.client,
        committed: ends.map((end, p) => [p, end]),
      });
    });
    for (const g of groups) {
      const [described] = await admin.describeConsumerGroups([g.groupId]);
      expect(described!.coordinator.id).toBe(newCoordinator);
      expect(described!.members).toHaveLength(2);
    }

    // kafka-consumer-groups.sh's view, from the new coordinator.
    const state = await consumerGroupsCli(['--bootstrap-server', cluster.bootstrap, '--describe', '--group', samsaId!, '--state', '--timeout', '30000']);
    expect(state.status).toBe(0);
    expect(state.stdout).toMatch(new RegExp(`${samsaId}\\s+127\\.0\\.0\\.1:${cluster.port(newCoordinator)}\\s+\\(${newCoordinator}\\)\\s+\\S+\\s+Stable\\s+2`));
    const offsets = await consumerGroupsCli(['--bootstrap-server', cluster.bootstrap, '--describe', '--group', samsaId!, '--offsets', '--timeout', '30000']);
    expect(offsets.status).toBe(0);
    const rows = offsets.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[0] === samsaId);
    expect(rows.map((c) => c.slice(1, 6)).sort()).toEqual(PARTITIONS.map((p) => [topic, String(p), String(ends[p]), String(ends[p]), '0']));

    await cleanup.stopAll();
    await cluster.startBroker(coordinator);
    await waitUntil(() => everyReplicaInSync([topic, '__consumer_offsets']), 'the restarted broker back in every ISR', 120_000);
  });

  it('keeps committed offsets through the loss of each broker in turn', { timeout: 300_000 }, async () => {
    const topic = 'group-ledger';
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3 }]);
    await coordinatorOf('ledger'); // __consumer_offsets exists from here on
    const committed = new Map<string, Array<{ partition: number; offset: number; metadata: string }>>();
    for (const target of cluster.brokerIds) {
      // A group this broker coordinates: one whose __consumer_offsets partition it leads. A broker
      // restarted earlier leads none until the preferred leaders are elected again.
      await admin.electLeaders('preferred', null).settled();
      let led: number | undefined;
      await waitUntil(async () => {
        const [offsetsTopic] = await admin.describeTopics(['__consumer_offsets']);
        // Its preferred replica too: the election just asked for may still be moving the others away.
        led = offsetsTopic!.partitions.find((p) => p.leader?.id === target && p.replicas[0] === target)?.partition;
        return led !== undefined;
      }, `broker ${target} to lead a __consumer_offsets partition`);
      const groupId = groupIdsSharingACoordinator(`ledger-${target}`, 1, led)[0]!;
      expect(await coordinatorOf(groupId)).toBe(target);
      const offsets = PARTITIONS.map((partition) => ({ partition, offset: target * 100 + partition, metadata: `broker ${target}` }));
      await admin.alterConsumerGroupOffsets(
        groupId,
        offsets.map((o) => ({ topic, ...o })),
      );
      committed.set(groupId, offsets);
      await cluster.kill(target);
      // OffsetFetch at the new coordinator, found through FindCoordinator.
      const fetched = await admin.listConsumerGroupOffsets(groupId);
      expect(await coordinatorOf(groupId)).not.toBe(target);
      expect(fetched.map((o) => ({ partition: o.partition, offset: o.offset, metadata: o.metadata }))).toEqual(offsets);
      await cluster.startBroker(target);
      // The next broker is killed only once the restarted one holds every __consumer_offsets partition again.
      await waitUntil(() => everyReplicaInSync(['__consumer_offsets']), 'every __consumer_offsets replica back in sync', 120_000);
    }
    for (const [groupId, offsets] of committed) {
      const fetched = await admin.listConsumerGroupOffsets(groupId);
      expect(fetched.map((o) => ({ partition: o.partition, offset: o.offset, metadata: o.metadata }))).toEqual(offsets);
    }
  });
});
