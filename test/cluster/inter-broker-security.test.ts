import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { makeCertificates, type TestCertificates } from '../broker/security/certificates.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { kcat, kcatMetadata } from './cluster-probe.js';
import { coordinatorOf, groupLag, scrape } from './http-scrape.js';

const PLAIN_LOGIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';

// Brokers replicate, take the controller's requests and answer controlled shutdowns on an
// INTERNAL listener that is TLS or SASL; clients use the PLAINTEXT one.
const MODES = [
  {
    name: 'SSL with mutual TLS',
    protocol: 'SSL' as const,
    settings: (certs: TestCertificates): Record<string, string> => ({
      'listener.name.internal.ssl.keystore.type': 'PEM',
      'listener.name.internal.ssl.keystore.location': certs.brokerKeystore,
      'listener.name.internal.ssl.truststore.type': 'PEM',
      'listener.name.internal.ssl.truststore.location': certs.caPem,
      'listener.name.internal.ssl.client.auth': 'required',
    }),
  },
  {
    name: 'SASL_SSL with PLAIN',
    protocol: 'SASL_SSL' as const,
    settings: (certs: TestCertificates): Record<string, string> => ({
      'listener.name.internal.ssl.keystore.type': 'PEM',
      'listener.name.internal.ssl.keystore.location': certs.brokerKeystore,
      'listener.name.internal.ssl.truststore.type': 'PEM',
      'listener.name.internal.ssl.truststore.location': certs.caPem,
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': `${PLAIN_LOGIN} required username="broker" password="broker-secret" user_broker="broker-secret";`,
    }),
  },
];

describe.each(MODES)('a cluster whose brokers talk to each other over $name', ({ protocol, settings }) => {
  let certs: TestCertificates;
  let cluster: TestCluster;
  let admin: Admin;

  beforeAll(async () => {
    certs = makeCertificates();
    cluster = await TestCluster.start({
      brokers: 3,
      interBrokerProtocol: protocol,
      settings: { ...settings(certs), 'http.listeners': 'http://127.0.0.1:0' },
    });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.close();
    certs?.remove();
  });

  const partitions = (topic: string) => kcatMetadata(cluster.bootstrap, topic).then((md) => md.partitions);
  /** All three partitions listed with three in-sync replicas (a broker just restarted may answer with no partitions yet: not vacuously true). */
  const allInSync = async (topic: string) => {
    const listed = await partitions(topic);
    return listed.length === 3 && listed.every((p) => p.isr.length === 3);
  };

  it('replicates, fails over and takes restarted brokers back, brokers reaching each other only there', { timeout: 180_000 }, async () => {
    const topic = `secure-${protocol.toLowerCase()}`;
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitUntil(() => allInSync(topic), 'every partition with three in-sync replicas');
    const first = Array.from({ length: 300 }, (_, i) => `first-${i}`);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'acks=all'], `${first.join('\n')}\n`);

    // acks=all was answered with the followers' fetches over the secure listener; now the leader goes.
    const leader = (await partitions(topic)).find((p) => p.partition === 0)!.leader;
    await cluster.kill(leader);
    await waitUntil(async () => {
      const p = (await partitions(topic)).find((x) => x.partition === 0)!;
      return p.leader >= 0 && p.leader !== leader;
    }, 'a new leader for partition 0, told by the controller over the secure listener');
    const second = Array.from({ length: 300 }, (_, i) => `second-${i}`);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'acks=all'], `${second.join('\n')}\n`);
    await cluster.startBroker(leader);
    await waitUntil(() => allInSync(topic), 'the restarted broker back in every ISR');

    // A graceful stop asks the controller over the secure listener to move its leaderships first.
    const stopped = (await partitions(topic)).find((p) => p.partition === 1)!.leader;
    expect(await cluster.stop(stopped)).toBe(0);
    expect(cluster.history(stopped)).toContain(`controlled shutdown of broker ${stopped} succeeded`);
    const read = await kcat(['-b', cluster.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(read.trim().split('\n')).toEqual([...first, ...second]);
    await cluster.startBroker(stopped);
    await waitUntil(() => allInSync(topic), 'the stopped broker back in every ISR');
  });

  it("measures a group's lag on its coordinator with ListOffsets to the other leaders over the secure listener", { timeout: 120_000 }, async () => {
    const topic = `lag-${protocol.toLowerCase()}`;
    const group = `lag-watchers-${protocol.toLowerCase()}`;
    const coordinator = await coordinatorOf(admin, group);
    const [first, second] = cluster.brokerIds.filter((id) => id !== coordinator);
    await admin.createTopics([{ name: topic, replicasAssignments: { 0: [first!, coordinator], 1: [second!, first!] } }]);
    await kcat(['-b', cluster.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'acks=all'], 'a\nb\nc\nd\ne\n');
    await kcat(['-b', cluster.bootstrap, '-P', '-t', topic, '-p', '1', '-X', 'acks=all'], 'f\ng\nh\n');
    await admin.alterConsumerGroupOffsets(group, [
      { topic, partition: 0, offset: 1 },
      { topic, partition: 1, offset: 3 },
    ]);
    // Neither partition is led by the coordinator: both ends come from the other brokers' INTERNAL listener.
    await waitUntil(
      async () => Object.keys(groupLag(await scrape(cluster, coordinator), group, topic).lag).length === 2,
      `broker ${coordinator} reporting the lag of both partitions`,
    );
    expect(groupLag(await scrape(cluster, coordinator), group, topic)).toEqual({ lag: { 0: 4, 1: 0 }, committed: { 0: 1, 1: 3 }, unknown: 0 });
  });

  it('never answers plaintext on the inter-broker listener', async () => {
    const connection = new BrokerConnection(1, '127.0.0.1', cluster.internalPort(1)!, {
      clientId: 'plaintext-intruder',
      requestTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      maxInFlight: 1,
      sendBufferBytes: -1,
      receiveBufferBytes: -1,
    });
    try {
      await expect(connection.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).rejects.toThrow();
    } finally {
      connection.close();
    }
  });
});
