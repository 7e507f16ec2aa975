import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { type Exposition, parseExposition } from '../broker/http/prometheus-parser.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

const REPLICATED = 'replicated';
const SINGLE = 'single-replica';
const VICTIM = 3;

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

  it('reports under-replicated partitions on their leaders and the offline one on the controller while a broker is down', async () => {
    cluster = await TestCluster.start({ brokers: 3, settings: { 'http.listeners': 'http://127.0.0.1:0' } });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'default.api.timeout.ms': 60_000 });
    for (const id of cluster.brokerIds) expect(await health(id)).toBe(200);
    await admin.createTopics([
      { name: REPLICATED, numPartitions: 3, replicationFactor: 3 },
      { name: SINGLE, replicasAssignments: { 0: [VICTIM] } },
    ]);
    await waitUntil(async () => {
      const scrapes = await scrapeAlive();
      return Object.keys(underReplicated(scrapes, REPLICATED)).length === 3 && sum(scrapes, 'kafka_controller_kafkacontroller_activecontrollercount') === 1;
    }, 'every partition of the replicated topic led somewhere, one active controller');
    let scrapes = await scrapeAlive();
    expect(underReplicated(scrapes, REPLICATED)).toEqual({ 0: 0, 1: 0, 2: 0 });
    expect(sum(scrapes, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(0);
    expect(scrapes.every((m) => m.value('kafka_brokers') === 3)).toBe(true);

    await cluster.kill(VICTIM);
    // The controller takes the dead broker out of every ISR and elects new leaders; the single-replica partition has none left.
    await waitUntil(async () => {
      scrapes = await scrapeAlive();
      const led = underReplicated(scrapes, REPLICATED);
      return (
        [0, 1, 2].every((p) => led[p] === 1) &&
        sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount') === 1 &&
        sum(scrapes, 'kafka_controller_kafkacontroller_activecontrollercount') === 1
      );
    }, 'the replicated partitions under-replicated on their leaders and one offline partition on the controller');
    // Every broker's count agrees with its per-partition series (the internal topic's partitions included).
    for (const m of scrapes) {
      const perPartition = m.samples('kafka_cluster_partition_underreplicated').reduce((n, s) => n + s.value, 0);
      expect(m.value('kafka_server_replicamanager_underreplicatedpartitions')).toBe(perPartition);
      expect(m.value('kafka_brokers')).toBe(2);
    }

    await cluster.startBroker(VICTIM);
    await waitUntil(async () => (await health(VICTIM)) === 200, `broker ${VICTIM} healthy again`);
    await waitUntil(async () => {
      scrapes = await scrapeAlive();
      return (
        sum(scrapes, 'kafka_server_replicamanager_underreplicatedpartitions') === 0 &&
        sum(scrapes, 'kafka_controller_kafkacontroller_offlinepartitionscount') === 0
      );
    }, 'no under-replicated or offline partition once the broker is back');
    for (const id of cluster.brokerIds) expect(await health(id)).toBe(200);
  }, 180_000);
});
