import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { type AclBindingFilter, AclOperation, AclPermissionType, bindingKey, PatternType, ResourceType } from '../../src/protocol/acl.js';
import { ZooKeeperClient } from '../../src/zk/zookeeper-client.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

// ACLs in a ZooKeeper cluster live where Kafka's ZooKeeper-mode AclAuthorizer keeps them
// (/kafka-acl, /kafka-acl-extended/prefixed, with change notifications), so every broker
// enforces what any broker (or kafka-acls.sh with --authorizer-properties) wrote.
// The harness's brokers listen in PLAINTEXT: every client is User:ANONYMOUS, and
// allow.everyone.if.no.acl.found keeps the brokers' own requests (CLUSTER_ACTION) open.

const EVERY_ACL: AclBindingFilter = {
  pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY },
  entry: { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY },
};

function kcatProduce(port: number, topic: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/kcat', ['-b', `127.0.0.1:${port}`, '-m', '10', '-P', '-t', topic, '-p', '0'], { timeout: 60_000 }, (error, _out, stderr) =>
      resolve({ code: error ? 1 : 0, stderr }),
    );
    child.stdin!.end('x\n');
  });
}

describe('ACLs in a ZooKeeper cluster', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let zk: ZooKeeperClient;
  const adminOn = (id: number) => new Admin({ 'bootstrap.servers': `127.0.0.1:${cluster.port(id)}`, 'default.api.timeout.ms': 10_000 });

  beforeAll(async () => {
    cluster = await TestCluster.start({
      brokers: 2,
      settings: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'allow.everyone.if.no.acl.found': 'true' },
    });
    zk = await ZooKeeperClient.connect({ 'zookeeper.connect': cluster.connectString });
  }, 120_000);

  afterAll(async () => {
    await zk?.close();
    await cluster?.close();
  });

  it("writes Kafka's znodes, every broker enforces them, one written straight into ZooKeeper is picked up, and a restarted broker reads them back", async () => {
    const one = adminOn(1);
    const two = adminOn(2);
    try {
      await one.createTopics([{ name: 'zk-denied', numPartitions: 1, replicationFactor: 2 }]);
      await one.createAcls([
        {
          pattern: { resourceType: ResourceType.TOPIC, name: 'zk-denied', patternType: PatternType.LITERAL },
          entry: { principal: 'User:*', host: '*', operation: AclOperation.WRITE, permissionType: AclPermissionType.DENY },
        },
        {
          pattern: { resourceType: ResourceType.TOPIC, name: 'zk-hidden-', patternType: PatternType.PREFIXED },
          entry: { principal: 'User:ANONYMOUS', host: '*', operation: AclOperation.ALL, permissionType: AclPermissionType.DENY },
        },
      ]);
      const literal = JSON.parse((await zk.getData('/kafka-acl/Topic/zk-denied')).data!.toString());
      expect(literal.acls).toEqual([{ principal: 'User:*', permissionType: 'Deny', operation: 'Write', host: '*' }]);
      const prefixed = JSON.parse((await zk.getData('/kafka-acl-extended/prefixed/Topic/zk-hidden-')).data!.toString());
      expect(prefixed.acls).toEqual([{ principal: 'User:ANONYMOUS', permissionType: 'Deny', operation: 'All', host: '*' }]);
      expect((await zk.getChildren('/kafka-acl-changes')).children.length).toBeGreaterThan(0);
      expect((await zk.getChildren('/kafka-acl-extended-changes')).children.length).toBeGreaterThan(0);

      // Broker 2 learns them from the notifications and refuses the write, whichever broker leads.
      await waitUntil(async () => (await two.describeAcls(EVERY_ACL)).length === 2, 'broker 2 to load the ACLs broker 1 wrote');
      for (const id of cluster.brokerIds) expect((await kcatProduce(cluster.port(id), 'zk-denied')).stderr).toMatch(/Topic authorization failed/);

      // What kafka-acls.sh --authorizer-properties zookeeper.connect=… writes: the znode, then a notification.
      await zk.createRecursive(
        '/kafka-acl/Group/zk-group',
        Buffer.from(JSON.stringify({ version: 1, acls: [{ principal: 'User:ANONYMOUS', permissionType: 'Deny', operation: 'Read', host: '*' }] })),
      );
      await zk.create('/kafka-acl-changes/acl_changes_', Buffer.from('Group:zk-group'), 'PERSISTENT_SEQUENTIAL');
      for (const admin of [one, two]) await waitUntil(async () => (await admin.describeAcls(EVERY_ACL)).length === 3, 'every broker to load the new znode');

      const before = (await one.describeAcls(EVERY_ACL)).map(bindingKey).sort();
      await one.deleteAcls([{ ...EVERY_ACL, pattern: { resourceType: ResourceType.GROUP, name: 'zk-group', patternType: PatternType.LITERAL } }]);
      expect(await zk.exists('/kafka-acl/Group/zk-group')).toBeNull();
      await waitUntil(async () => (await two.describeAcls(EVERY_ACL)).length === 2, 'broker 2 to drop the deleted ACL');
      await cluster.restart(2);
      await waitUntil(async () => (await adminOn2Describe()).length === 2, 'the restarted broker to read the ACLs from ZooKeeper');
      expect(before.filter((k) => !k.startsWith(`${ResourceType.GROUP}\0`))).toEqual((await adminOn2Describe()).map(bindingKey).sort());
    } finally {
      await one.close();
      await two.close();
    }
  });

  async function adminOn2Describe() {
    const admin = adminOn(2);
    try {
      return await admin.describeAcls(EVERY_ACL);
    } finally {
      await admin.close();
    }
  }
});
