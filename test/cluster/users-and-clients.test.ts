import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { zkReader } from './cluster-probe.js';

const PLAIN_LOGIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';

// SCRAM credentials and client quotas in a cluster live in ZooKeeper as Kafka keeps them
// (/config/users, /config/clients), set through any broker and followed by every one.
describe('users and client ids in a cluster', () => {
  let cluster: TestCluster;
  let zk: KafkaZkClient;
  const admins: Admin[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.start({
      brokers: 3,
      // Brokers talk over INTERNAL with PLAIN; clients may use SCRAM there too.
      interBrokerProtocol: 'SASL_PLAINTEXT',
      settings: {
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        'listener.name.internal.plain.sasl.jaas.config': `${PLAIN_LOGIN} required username="broker" password="broker-secret" user_broker="broker-secret";`,
      },
    });
    zk = await zkReader(cluster);
  }, 120_000);

  afterAll(async () => {
    for (const a of admins) await a.close();
    await zk?.close();
    await cluster?.close();
  });

  /** An admin of broker `id` alone, on its PLAINTEXT listener. */
  const adminOf = (id: number) => {
    const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${cluster.port(id)}` });
    admins.push(admin);
    return admin;
  };

  /** Whether alice can log in with SCRAM-SHA-512 on broker `id`'s SASL listener. */
  async function scramLogin(id: number, password: string): Promise<boolean> {
    const admin = new Admin({
      'bootstrap.servers': `127.0.0.1:${cluster.internalPort(id)}`,
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${password}";`,
      'default.api.timeout.ms': 5000,
    });
    try {
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.close();
    }
  }

  it('a SCRAM user created through one broker logs in on every broker, in ZooKeeper as Kafka writes it, after restarts, and until deleted through another', async () => {
    await adminOf(1).alterUserScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096, password: 'alice-secret' }]);
    const stored = await zk.getEntityConfigs('users', 'alice');
    expect(stored['SCRAM-SHA-512']).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=4096$/);
    for (const id of cluster.brokerIds) await waitUntil(() => scramLogin(id, 'alice-secret'), `alice to log in on broker ${id}`);
    expect(await scramLogin(2, 'not-her-password')).toBe(false);
    expect((await adminOf(3).describeUserScramCredentials(['alice']))[0]!.credentials).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]);

    // A restarted broker reads the users from ZooKeeper.
    await cluster.restart(3);
    await waitUntil(() => scramLogin(3, 'alice-secret'), 'alice to log in on the restarted broker 3');

    await adminOf(2).alterUserScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-512', delete: true }]);
    expect(await zk.getEntityConfigs('users', 'alice')).toEqual({});
    for (const id of cluster.brokerIds) await waitUntil(async () => !(await scramLogin(id, 'alice-secret')), `alice refused on broker ${id}`);
  });

  it("client quotas set through one broker are every broker's, under /config/clients and /config/users as Kafka keeps them", async () => {
    await adminOf(1).alterClientQuotas([
      { entity: { 'client-id': 'app' }, ops: [{ key: 'producer_byte_rate', value: 1024 }] },
      { entity: { user: 'bob', 'client-id': null }, ops: [{ key: 'consumer_byte_rate', value: 2048 }] },
    ]);
    expect(await zk.getEntityConfigs('clients', 'app')).toEqual({ producer_byte_rate: '1024' });
    expect(await zk.getEntityConfigs('users', 'bob/clients/<default>')).toEqual({ consumer_byte_rate: '2048' });
    for (const id of [2, 3]) {
      await waitUntil(async () => (await adminOf(id).describeClientQuotas()).length === 2, `broker ${id} to know both quotas`);
      expect(await adminOf(id).describeClientQuotas({ components: [{ entityType: 'client-id', match: 'app' }], strict: true })).toEqual([
        { entity: { 'client-id': 'app' }, values: { producer_byte_rate: 1024 } },
      ]);
    }
    await adminOf(3).alterClientQuotas([{ entity: { 'client-id': 'app' }, ops: [{ key: 'producer_byte_rate', value: null }] }]);
    await waitUntil(async () => (await adminOf(1).describeClientQuotas()).length === 1, 'broker 1 to see the quota removed');
  });
});
