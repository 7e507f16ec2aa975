import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Cleanup } from '../cleanup.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import {
  kcat,
  numbered,
  PythonStream,
  partitionState,
  readAll,
  replicaProblems,
  replicaSizes,
  waitForEqualReplicaSizes,
  waitForIsr,
  zkReader,
} from './cluster-probe.js';

const TOPIC = 'diverge';
const BROKERS = [1, 2, 3];

describe('replicas whose logs diverged from the new leader', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('truncate what the new leader never had, and no consumer ever sees it', { timeout: 300_000 }, async () => {
    // Followers paused during the divergence must stay in the ISR and registered: a lag bound
    // and a session far above the pauses (the leader is killed, never timed out).
    const cluster = cleanup.add(
      await TestCluster.start({ brokers: 3, settings: { 'replica.lag.time.max.ms': '30000', 'zookeeper.session.timeout.ms': '10000' } }),
      (c) => c.close(),
    );
    const zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics([{ name: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForIsr(zk, TOPIC, 1, BROKERS, 'three in-sync replicas');
    const consumer = cleanup.add(new PythonStream('consume-load', cluster.bootstrap, TOPIC, '1'), (c) => c.kill());
    const produce = (bootstrap: string, acks: string, values: readonly string[]) =>
      kcat(['-b', bootstrap, '-P', '-t', TOPIC, '-p', '0', '-k', 'k', '-K', ':', '-X', `acks=${acks}`], values.map((v) => `k:${v}\n`).join(''));

    const committed = numbered('committed', 200);
    await produce(cluster.bootstrap, 'all', committed);
    await waitUntil(() => consumer.records.length >= committed.length, 'the consumer to read the committed records');

    // The replica the controller will elect (the first in assignment order after the leader)
    // gets neither batch; the other follower gets the first; the leader alone the second.
    // A follower paused with a fetch waiting at the leader still gets that fetch's answer when
    // it resumes: a single record produced right after each pause is all that answer can hold.
    const before = await partitionState(zk, TOPIC, 0);
    const oldLeader = before.leader;
    const assignment = (await zk.getTopicAssignment(TOPIC))!.partitions.get(0)!.replicas;
    const [nextLeader, other] = assignment.filter((b) => b !== oldLeader) as [number, number];
    const leaderAddress = `127.0.0.1:${cluster.port(oldLeader)}`;
    const partial = numbered('partial', 40);
    const lost = numbered('lost', 50);
    cluster.pause(nextLeader);
    const paused = [nextLeader];
    try {
      // acks=1: the leader answers alone; with a paused replica in the ISR the high watermark stays.
      await produce(leaderAddress, '1', ['in-flight-1']);
      await produce(leaderAddress, '1', partial);
      const leaderSize = (await replicaSizes(cluster, oldLeader, TOPIC)).get(0);
      await waitUntil(async () => (await replicaSizes(cluster, other, TOPIC)).get(0) === leaderSize, `broker ${other} to fetch the partial batches`);
      cluster.pause(other);
      paused.push(other);
      await produce(leaderAddress, '1', ['in-flight-2']);
      await produce(leaderAddress, '1', lost);
      // A consumer of the leader meanwhile reads only what is committed.
      const visible = await kcat(['-b', leaderAddress, '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
      expect(visible.trim().split('\n')).toEqual(committed);
      await cluster.kill(oldLeader);
    } finally {
      for (const id of paused) cluster.resume(id);
    }

    await waitUntil(async () => {
      const now = await partitionState(zk, TOPIC, 0);
      return now.leader >= 0 && now.leaderEpoch > before.leaderEpoch;
    }, 'a new leader');
    expect((await partitionState(zk, TOPIC, 0)).leader).toBe(nextLeader);
    const after = numbered('after', 100);
    await produce(cluster.bootstrap, 'all', after);
    const log1 = await readAll(cluster.bootstrap, TOPIC, 1);
    // What the new leader had when it took over: the committed records, and the first in-flight record if its waiting fetch got it.
    const kept = log1.length - committed.length - after.length;
    expect(log1.map((r) => r.value)).toEqual([...committed, ...['in-flight-1'].slice(0, kept), ...after]);
    const divergence = committed.length + kept;
    await waitUntil(
      () => new RegExp(`${TOPIC}-0: truncated from \\d+ to ${divergence} `).test(cluster.output(other)),
      `broker ${other} to truncate to ${divergence}`,
    );

    await cluster.startBroker(oldLeader);
    await waitForIsr(zk, TOPIC, 1, BROKERS, 'the old leader back in the ISR');
    expect(cluster.output(oldLeader)).toContain(`${TOPIC}-0: truncated from ${committed.length + 1 + partial.length + 1 + lost.length} to ${divergence} `);
    const more = numbered('more', 50);
    await produce(cluster.bootstrap, 'all', more);

    const log = await readAll(cluster.bootstrap, TOPIC, 1);
    expect(log.map((r) => r.value)).toEqual([...log1.map((r) => r.value), ...more]);
    expect(log.map((r) => r.offset)).toEqual(log.map((_, i) => i));
    await waitUntil(() => consumer.records.length >= log.length, 'the consumer to read everything committed');
    await consumer.finish();
    expect(consumer.errors).toEqual([]);
    expect(consumer.records.map((r) => r.value)).toEqual(log.map((r) => r.value));

    await waitForEqualReplicaSizes(cluster, BROKERS, TOPIC, 1);
    for (const id of BROKERS) expect(await cluster.stop(id)).toBe(0);
    expect(await replicaProblems(cluster, BROKERS, 'file', TOPIC, 1)).toEqual([]);
  });
});
