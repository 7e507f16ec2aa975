import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Producer } from '../../src/clients/producer/producer.js';
import type { Exposition } from '../broker/http/prometheus-parser.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { consolePage, coordinatorOf, groupLag, httpOf, reportsGroup, scrape } from './http-scrape.js';

const REPLICATED = 'replicated';
const SINGLE = 'single-replica';
const LAGGING = 'lagging';
const GROUP = 'lag-watchers';
/** Records produced to each partition of LAGGING, and the offsets the group commits: a different lag on each. */
const PRODUCED: Readonly<Record<number, number>> = { 0: 7, 1: 9, 2: 5, 3: 8 };
const COMMITTED: Readonly<Record<number, number>> = { 0: 3, 1: 4, 2: 1, 3: 8 };

/**
 * /metrics and /health of a three-broker cluster's HTTP listeners while a
 * broker dies and comes back: the leaders report their partitions
 * under-replicated, the active controller the partition left without a
 * leader, and each broker's /health follows its registration.
 */
describe('the HTTP listener in a cluster', () => {
  let cluster: TestCluster | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;

  afterEach(async () => {
    await producer?.close();
    await admin?.close();
    await cluster?.close();
  });

  /** The active controller's id, once there is one. */
  async function controllerOf(client: Admin): Promise<number> {
    let controller = -1;
    await waitUntil(async () => {
      controller = (await client.describeCluster()).controller?.id ?? -1;
      return controller > 0;
    }, 'a controller');
    return controller;
  }

  async function health(id: number): Promise<number> {
    const res = await fetch(`${httpOf(cluster!, id)}/health`);
    await res.text();
    return res.status;
  }

  /** Each alive broker's scrape. */
  async function scrapeAlive(): Promise<Exposition[]> {
    return Promise.all(cluster!.brokerIds.filter((id) => cluster!.isRunning(id)).map((id) => scrape(cluster!, id)));
  }

  const sum = (scrapes: Exposition[], name: string) => scrapes.reduce((n, m) => n + m.value(name), 0);

  /** What the led partitions of `topic` report, by partition, from whichever alive broker leads each. */
  function underReplicated(scrapes: Exposition[], topic: string): Record<number, number> {
    const out: Record<number, number> = {};
    for (const m of scrapes)
      for (const s of m.samples('kafka_cluster_partition_underreplicated')) if (s.labels.topic === topic) out[Number(s.labels.partition)] = s.value;
    return out;
  }

  // The controller dying with the broker is Kafka's failover path: the new controller finds the dead broker's replicas at startup.
  it.each([
    ['a broker', false],
    ['the controller', true],
  ])(
    'reports under-replicated partitions on their leaders and the offline one on the controller while %s is down',
    async (_, victimIsController) => {
      cluster = await TestCluster.start({ brokers: 3, settings: { 'http.listeners': 'http://127.0.0.1:0' } });
      admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'default.api.timeout.ms': 60_000 });
      const controller = await controllerOf(admin);
      const victim = victimIsController ? controller : cluster.brokerIds.find((id) => id !== controller)!;
      for (const id of cluster.brokerIds) expect(await health(id)).toBe(200);
      await admin.createTopics([
        { name: REPLICATED, numPartitions: 3, replicationFactor: 3 },
        { name: SINGLE, replicasAssignments: { 0: [victim] } },
      ]);
      await waitUntil(async () => {
        const scrapes = await scrapeAlive();
        return (
          Object.keys(underReplicated(scrapes, REPLICATED)).length === 3 &&
          sum(scrapes, 'kafka_controller_kafkacontroller_activecontrollercount') === 1 &&
          scrapes.every((m) => m.value('kafka_brokers') === 3)
        );
      }, 'every partition of the replicated topic led somewhere, one active controller, three live brokers everywhere');
      let scrapes = await scrapeAlive();
      expect(underReplicated(scrapes, REPLICATED)).toEqual({ 0: 0, 1: 0, 2: 0 });
      expect(sum(scrapes, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
      expect(sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(0);

      await cluster.kill(victim);
      // The controller takes the dead broker out of every ISR and elects new leaders; the single-replica partition has none left.
      await waitUntil(async () => {
        scrapes = await scrapeAlive();
        const led = underReplicated(scrapes, REPLICATED);
        return (
          [0, 1, 2].every((p) => led[p] === 1) &&
          sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount') === 1 &&
          sum(scrapes, 'kafka_controller_kafkacontroller_activecontrollercount') === 1 &&
          scrapes.every((m) => m.value('kafka_brokers') === 2)
        );
      }, 'the replicated partitions under-replicated on their leaders, one offline partition on the controller, two live brokers everywhere');
      // Every broker's count agrees with its per-partition series (the internal topic's partitions included).
      for (const m of scrapes) {
        const perPartition = m.samples('kafka_cluster_partition_underreplicated').reduce((n, s) => n + s.value, 0);
        expect(m.value('kafka_server_replicamanager_underreplicatedpartitions')).toBe(perPartition);
      }
      // Clients see the partition without a leader, not led by the dead broker.
      const [single] = await admin.describeTopics([SINGLE]);
      expect(single!.partitions[0]!.leader).toBeNull();

      await cluster.startBroker(victim);
      await waitUntil(async () => (await health(victim)) === 200, `broker ${victim} healthy again`);
      await waitUntil(async () => {
        scrapes = await scrapeAlive();
        return (
          sum(scrapes, 'kafka_server_replicamanager_underreplicatedpartitions') === 0 &&
          sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount') === 0
        );
      }, 'no under-replicated or offline partition once the broker is back');
      for (const id of cluster.brokerIds) expect(await health(id)).toBe(200);
    },
    180_000,
  );

  it("reports a group's lag on its coordinator alone, for partitions led anywhere, and leaves out those whose leader does not answer", async () => {
    // A longer session than FAST_CLUSTER's: a frozen broker stays the leader in everyone's metadata while the scrape asks it.
    cluster = await TestCluster.start({ brokers: 3, settings: { 'http.listeners': 'http://127.0.0.1:0', 'zookeeper.session.timeout.ms': '15000' } });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'default.api.timeout.ms': 60_000 });
    const controller = await controllerOf(admin);
    const coordinator = await coordinatorOf(admin, GROUP);
    const others = cluster.brokerIds.filter((id) => id !== coordinator);
    // The broker to freeze and kill leads two partitions but neither coordinates the group nor controls the cluster.
    const victim = others.find((id) => id !== controller)!;
    const bystander = others.find((id) => id !== victim)!;
    // Partition 0 led by the bystander, 1 and 2 by the victim (2 with a follower on the coordinator, whose high watermark is
    // the victim's last word), 3 by the coordinator; after the victim dies, 1 moves to the bystander and 2 to the coordinator.
    await admin.createTopics([
      { name: LAGGING, replicasAssignments: { 0: [bystander, victim], 1: [victim, bystander], 2: [victim, coordinator], 3: [coordinator, bystander] } },
    ]);
    producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 });
    const p = producer;
    for (const [partition, count] of Object.entries(PRODUCED))
      await Promise.all(Array.from({ length: count }, (_, i) => p.send({ topic: LAGGING, partition: Number(partition), value: `record ${i}` })));
    await admin.alterConsumerGroupOffsets(
      GROUP,
      Object.entries(COMMITTED).map(([partition, offset]) => ({ topic: LAGGING, partition: Number(partition), offset })),
    );
    const expectedLag = Object.fromEntries(Object.keys(PRODUCED).map((p) => [p, PRODUCED[Number(p)]! - COMMITTED[Number(p)]!]));

    await waitUntil(
      async () => Object.keys(groupLag(await scrape(cluster!, coordinator), GROUP, LAGGING).lag).length === 4,
      `the coordinator, broker ${coordinator}, reporting the lag of every partition`,
    );
    let m = await scrape(cluster, coordinator);
    expect(groupLag(m, GROUP, LAGGING)).toEqual({ lag: expectedLag, committed: COMMITTED, unknown: 0 });
    expect(m.value('kafka_consumergroup_lag_sum', { consumergroup: GROUP, topic: LAGGING })).toBe(Object.values(expectedLag).reduce((a, b) => a + b, 0));
    for (const id of others) expect(reportsGroup(await scrape(cluster, id), GROUP), `broker ${id} reports ${GROUP}`).toBe(false);
    // The console shows the same lag, on the coordinator only.
    const total = new RegExp(`data-group="${GROUP}"[\\s\\S]*?class="total-lag">(\\d+)<`);
    expect(total.exec(await consolePage(cluster, coordinator))?.[1]).toBe(String(Object.values(expectedLag).reduce((a, b) => a + b, 0)));
    for (const id of others) expect(await consolePage(cluster, id)).not.toContain(`data-group="${GROUP}"`);

    // Frozen, the victim still leads partitions 1 and 2 in the metadata but answers nothing: the scrape comes back
    // without them (after the lag's timeout to the leader), not with a stale value; the others keep their lag.
    cluster.pause(victim);
    m = await scrape(cluster, coordinator);
    expect(groupLag(m, GROUP, LAGGING)).toEqual({ lag: { 0: expectedLag[0], 3: expectedLag[3] }, committed: COMMITTED, unknown: 2 });
    expect(await consolePage(cluster, coordinator)).toContain('2 partitions not counted');

    // Dead, its partitions get new leaders (1 the bystander, 2 the coordinator itself) and their lag is back, exact.
    await cluster.kill(victim);
    await waitUntil(async () => {
      const lag = groupLag(await scrape(cluster!, coordinator), GROUP, LAGGING);
      return lag.unknown === 0 && Object.keys(lag.lag).length === 4;
    }, `every partition's lag known again once broker ${victim}'s partitions have new leaders`);
    m = await scrape(cluster, coordinator);
    expect(groupLag(m, GROUP, LAGGING)).toEqual({ lag: expectedLag, committed: COMMITTED, unknown: 0 });
    expect(reportsGroup(await scrape(cluster, bystander), GROUP)).toBe(false);
  }, 180_000);
});
