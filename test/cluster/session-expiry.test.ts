import { afterEach, describe, expect, it } from 'vitest';
import { ControllerApi } from '../../src/broker/controller/controller-channel-manager.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Cleanup } from '../cleanup.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import {
  brokerEpoch,
  brokerRequest,
  controllerId,
  kcat,
  numbered,
  partitionState,
  readAll,
  waitForEqualReplicaSizes,
  waitForIsr,
  zkReader,
} from './cluster-probe.js';

const TOPIC = 'expiry';
const PARTITIONS = 3;
const BROKERS = [1, 2, 3];
const SESSION_TIMEOUT_MS = 6_000;

describe('a broker whose ZooKeeper session expires', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('loses its leaderships, registers again with a new epoch, follows, catches up and rejoins the ISR; its old epoch is refused (a leader, then the controller)', {
    timeout: 300_000,
  }, async () => {
    const cluster = cleanup.add(await TestCluster.start({ brokers: 3, settings: { 'zookeeper.session.timeout.ms': String(SESSION_TIMEOUT_MS) } }), (c) =>
      c.close(),
    );
    const zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, 'three in-sync replicas');
    const before = numbered('before', 100);
    for (let p = 0; p < PARTITIONS; p++) await kcat(['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-p', String(p), '-X', 'acks=all'], `${before.join('\n')}\n`);

    const expected = Array.from({ length: PARTITIONS }, () => [...before]);

    // First a broker leading a partition, then the controller (which also leads one).
    const states = () => Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionState(zk, TOPIC, p)));
    const controller = (await controllerId(zk))!;
    const first = (await states()).find((s) => s.leader !== controller)!.leader;
    for (const [victim, role] of [
      [first, 'a leader'],
      [controller, 'the controller'],
    ] as const) {
      const led = (await states()).flatMap((s, p) => (s.leader === victim ? [p] : []));
      expect(led.length, `${role} (broker ${victim}) leads a partition`).toBeGreaterThan(0);
      const oldEpoch = (await brokerEpoch(zk, victim))!;

      cluster.pause(victim);
      try {
        // The session ends on the server: the registration goes, the controller (another one, if it was the controller) moves the leaderships and shrinks the ISRs.
        await waitUntil(async () => (await brokerEpoch(zk, victim)) === undefined, `broker ${victim}'s registration to expire`, SESSION_TIMEOUT_MS * 10);
        await waitUntil(async () => {
          const now = await controllerId(zk);
          if (now === undefined || now === victim) return false;
          return (await states()).every((s) => s.leader !== victim && s.leader >= 0 && !s.isr.includes(victim));
        }, `broker ${victim} out of every leadership and ISR`);
        const during = numbered(`during-broker-${victim}`, 100);
        for (const p of led) {
          await kcat(['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-p', String(p), '-X', 'acks=all'], `${during.join('\n')}\n`);
          expected[p]!.push(...during);
        }
      } finally {
        cluster.resume(victim);
      }

      // It comes back in a new session: registered again with a new epoch, a follower that catches up.
      await waitUntil(async () => ((await brokerEpoch(zk, victim)) ?? -1n) > oldEpoch, `broker ${victim} registered again`);
      const newEpoch = (await brokerEpoch(zk, victim))!;
      await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, `broker ${victim} back in every ISR`);
      for (const s of await states()) expect(s.leader).not.toBe(victim);
      expect(cluster.output(victim)).toMatch(new RegExp(`broker ${victim} registered again in a new ZooKeeper session \\(broker epoch ${newEpoch}\\)`));

      // Requests of its old incarnation are refused: by the controller, and by the broker itself.
      const current = (await controllerId(zk))!;
      const shutdown = await brokerRequest(cluster, current, (c) =>
        c.request(Api.ControlledShutdown, { brokerId: victim, brokerEpoch: oldEpoch }, { minVersion: 2 }),
      );
      expect(shutdown.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
      const update = await brokerRequest(cluster, victim, (c) =>
        c.request(
          ControllerApi.UpdateMetadata,
          {
            controllerId: current,
            controllerEpoch: 1 << 30,
            brokerEpoch: oldEpoch,
            topicStates: [],
            liveBrokers: [],
          },
          { minVersion: 5 },
        ),
      );
      expect(update.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
      expect((await brokerEpoch(zk, victim))!).toBe(newEpoch);
    }

    // Nothing was lost, and the replicas match the leaders'.
    const all = await readAll(cluster.bootstrap, TOPIC, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) expect(all.filter((r) => r.partition === p).map((r) => r.value)).toEqual(expected[p]);
    await waitForEqualReplicaSizes(cluster, BROKERS, TOPIC, PARTITIONS);
  });
});
