import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Cleanup } from '../cleanup.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { kcat, numbered, partitionState, readAll, waitForIsr, zkReader } from './cluster-probe.js';

const TOPIC = 'outage';
const BROKERS = [1, 2, 3];
const OUTAGE_MS = 10_000;

describe('ZooKeeper stopped for ten seconds', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('leaves the leaders serving produce and fetch, loses nothing, and the cluster works on when it returns', { timeout: 300_000 }, async () => {
    const cluster = cleanup.add(await TestCluster.start({ brokers: 3 }), (c) => c.close());
    let zk = await zkReader(cluster);
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForIsr(zk, TOPIC, 3, BROKERS, 'three in-sync replicas');
    const before = numbered('before', 100);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-p', '0', '-X', 'acks=all'], `${before.join('\n')}\n`);
    const leader = (await partitionState(zk, TOPIC, 0)).leader;
    await zk.close();

    await cluster.zk.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    const during: string[] = [];
    try {
      // The leaders keep taking acks=1 records and serving them, round after round, until the outage ends.
      for (let round = 0; round === 0 || Date.now() < outageEnds; round++) {
        const batch = numbered(`during-${round}`, 20);
        await kcat(['-b', `127.0.0.1:${cluster.port(leader)}`, '-P', '-t', TOPIC, '-p', '0', '-X', 'acks=1'], `${batch.join('\n')}\n`);
        during.push(...batch);
        // Followers go on fetching, so the high watermark moves and a consumer of the leader sees each round.
        let seen: string[] = [];
        await waitUntil(async () => {
          seen = (await kcat(['-b', `127.0.0.1:${cluster.port(leader)}`, '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']))
            .trim()
            .split('\n');
          return seen.length >= before.length + during.length;
        }, `round ${round} visible to a consumer`);
        expect(seen).toEqual([...before, ...during]);
      }
      expect(cluster.brokerIds.every((id) => cluster.isRunning(id))).toBe(true);
    } finally {
      await cluster.zk.start();
    }

    zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    // Nothing lost: every record of before and during the outage, in order.
    expect((await readAll(cluster.bootstrap, TOPIC, 1)).map((r) => r.value)).toEqual([...before, ...during]);
    await waitForIsr(zk, TOPIC, 3, BROKERS, 'three in-sync replicas after the outage');

    // The cluster works on: a topic can be created, a killed leader is replaced.
    await admin.createTopics([{ name: 'after-outage', numPartitions: 2, replicationFactor: 3 }]);
    await waitForIsr(zk, 'after-outage', 2, BROKERS, 'the new topic with three in-sync replicas');
    const killed = (await partitionState(zk, TOPIC, 0)).leader;
    await cluster.kill(killed);
    await waitUntil(async () => {
      const state = await partitionState(zk, TOPIC, 0);
      return state.leader >= 0 && state.leader !== killed;
    }, 'a new leader for the killed one');
    const after = numbered('after', 100);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-p', '0', '-X', 'acks=all'], `${after.join('\n')}\n`);
    expect((await readAll(cluster.bootstrap, TOPIC, 1)).map((r) => r.value)).toEqual([...before, ...during, ...after]);
  });
});
