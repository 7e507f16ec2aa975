import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { type Exposition, parseExposition } from '../broker/http/prometheus-parser.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

const REPLICATED = 'replicated';
const SINGLE = 'single-replica';

/**
 * /metrics and /health of a three-broker cluster's HTTP listeners while a
 * broker dies and comes back: the leaders report their partitions
 * under-replicated, the active controller the partition left without a
 * leader, and each broker's /health follows its registration.
 */
describe('the HTTP listener in a cluster', () => {
  let cluster: TestCluster | undefined;
  let admin: Admin | undefined;

  afterEach(async () => {
    await admin?.close();
    await cluster?.close();
  });

  /** The broker's HTTP listener, from its start line (http.listeners binds a free port). */
  function httpOf(id: number): string {
    const m = /http:\/\/127\.0\.0\.1:(\d+) \(metrics/.exec(cluster!.output(id));
    if (!m) throw new Error(`broker ${id} logged no HTTP listener`);
    return `http://127.0.0.1:${m[1]}`;
  }

  async function scrape(id: number): Promise<Exposition> {
    const res = await fetch(`${httpOf(id)}/metrics`);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  }

  async function health(id: number): Promise<number> {
    const res = await fetch(`${httpOf(id)}/health`);
    await res.text();
    return res.status;
  }

  /** Each alive broker's scrape. */
  async function scrapeAlive(): Promise<Exposition[]> {
    return Promise.all(cluster!.brokerIds.filter((id) => cluster!.isRunning(id)).map((id) => scrape(id)));
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
      let controller = -1;
      await waitUntil(async () => {
        controller = (await admin!.describeCluster()).controller?.id ?? -1;
        return controller > 0;
      }, 'a controller');
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
});
