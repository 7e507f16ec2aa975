import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acls } from '../../src/cli/acls.js';
import { AUTHORIZER_DEPRECATION } from '../../src/cli/acls-options.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { ZooKeeperClient } from '../../src/zk/zookeeper-client.js';
import { TestCluster, waitUntil } from '../cluster/cluster-harness.js';
import { freePort } from '../cluster/zookeeper-server.js';
import { commandConfig, shell, stopRunning, USAGE_HEADER } from './run-samsa.js';

// `samsa acls --authorizer-properties zookeeper.connect=…` (kafka-acls.sh's ZooKeeper mode):
// ACLs written straight into ZooKeeper through the authorizer, which two running brokers
// reload from the change notifications and enforce on SASL_PLAINTEXT users, listed the same
// as through the brokers (--bootstrap-server), removed with --force.

const PYTHON = '/usr/bin/python3';
const ACL_CLIENTS = fileURLToPath(new URL('../interop/python/acl_clients.py', import.meta.url));
const KCAT = '/usr/bin/kcat';
const PLAIN_LOGIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const AUTHORIZER = 'kafka.security.authorizer.AclAuthorizer';
const USERS = { broker: 'broker-secret', alice: 'alice-secret', bob: 'bob-secret' } as const;
type User = keyof typeof USERS;

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `samsa acls …` called in this process, for the checks made before anything connects. */
async function aclsHere(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const code = await acls(args, { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t) });
  return { code, ...out };
}

afterEach(stopRunning);

describe('samsa acls: which way in', () => {
  it("takes exactly one of --bootstrap-server and --authorizer-properties, with Kafka 3.x's messages", async () => {
    const cases: Array<[string[], string]> = [
      [['--list'], 'Missing required argument "[authorizer-properties]"'],
      [['--bootstrap-server', 'localhost:9092', '--authorizer', AUTHORIZER, '--list'], 'Only one of --bootstrap-server or --authorizer must be specified'],
      [
        ['--bootstrap-server', 'localhost:9092', '--authorizer-properties', 'zookeeper.connect=localhost:2181', '--list'],
        'The --authorizer-properties option can only be used with --authorizer option',
      ],
      [
        ['--authorizer-properties', 'zookeeper.connect=localhost:2181', '--command-config', 'admin.properties', '--list'],
        'The --command-config option can only be used with --bootstrap-server option',
      ],
      [
        ['--authorizer-properties', 'zookeeper.connect=localhost:2181', '--zk-tls-config-file', 'zk-tls.properties', '--list'],
        "--zk-tls-config-file is not supported: samsa's ZooKeeper client connects without TLS.",
      ],
    ];
    for (const [args, message] of cases) {
      const r = await aclsHere(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(USAGE_HEADER);
    }
    // Going to ZooKeeper, Kafka warns that the way is deprecated.
    const deprecated = await aclsHere(['--authorizer-properties', 'zookeeper.connect=localhost:2181', '--add', '--list']);
    expect(deprecated.stderr.startsWith(`${AUTHORIZER_DEPRECATION}\nCommand must include exactly one action`)).toBe(true);
  });

  it('refuses, before connecting, properties it cannot honour and authorizers it cannot run', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--authorizer-properties', 'zookeeper.connect'], /^Error while executing ACL command: Missing value for key zookeeper.connect\n$/],
      [
        ['--authorizer-properties', 'zookeeper.connect=127.0.0.1:1', '--authorizer-properties', 'zookeeper.set.acl=true'],
        /^Error while executing ACL command: zookeeper.set.acl: samsa's ZooKeeper client/,
      ],
      [
        ['--authorizer-properties', 'zookeeper.connect=127.0.0.1:1', '--authorizer-properties', 'authorizer.zookeeper.ssl.client.enable=true'],
        /^Error while executing ACL command: zookeeper.ssl.client.enable: /,
      ],
      [
        ['--authorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', '--authorizer-properties', 'zookeeper.connect=127.0.0.1:1'],
        /^Error while executing ACL command: org.apache.kafka.metadata.authorizer.StandardAuthorizer is not an authorizer samsa's acls tool can run/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await aclsHere([...args, '--list']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toMatch(message);
    }
    // The bindings are checked before ZooKeeper is asked for (nothing listens on port 1).
    const noPrincipal = await aclsHere(['--authorizer-properties', 'zookeeper.connect=127.0.0.1:1', '--add', '--topic', 'orders']);
    expect(noPrincipal.code).toBe(1);
    expect(noPrincipal.stdout).toBe('');
    expect(noPrincipal.stderr).toContain('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.\n');
  });

  it('fails with exit code 1 when ZooKeeper cannot be reached, once zookeeper.connection.timeout.ms has passed', async () => {
    const nobody = await freePort();
    const r = await shell(
      `samsa acls --authorizer-properties zookeeper.connect=127.0.0.1:${nobody}/acls --authorizer-properties zookeeper.connection.timeout.ms=1500 --list`,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^Error while executing ACL command: ZooKeeper CONNECTIONLOSS: timed out after 1500 ms waiting for a connection/);
    expect(r.stderr).toContain(AUTHORIZER_DEPRECATION);
  });
});

describe('samsa acls --authorizer-properties on a running cluster', { timeout: 180_000 }, () => {
  let cluster: TestCluster;
  let zk: ZooKeeperClient;
  let brokerConfig: string;
  /** Clients log in on each broker's SASL_PLAINTEXT listener (INTERNAL, which the brokers use among themselves as User:broker). */
  const sasl = (id: number) => `127.0.0.1:${cluster.internalPort(id)}`;
  // Quoted: the chroot ends in `samsa`, which shell() would take for the command.
  const zkMode = () => `samsa acls --authorizer-properties 'zookeeper.connect=${cluster.connectString}' --authorizer ${AUTHORIZER}`;
  const bootstrapMode = () => `samsa acls --bootstrap-server ${sasl(1)},${sasl(2)} --command-config ${brokerConfig}`;

  /** kcat, bootstrapped from broker `id` (whose Metadata checks DESCRIBE), writing to partition id-1 (whose leader checks WRITE). */
  const kcatProduce = (id: number, user: User, topic: string) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      const args = ['-b', sasl(id), '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=PLAIN', '-X', `sasl.username=${user}`];
      const child = execFile(
        KCAT,
        [...args, '-X', `sasl.password=${USERS[user]}`, '-m', '10', '-P', '-t', topic, '-p', String(id - 1)],
        { timeout: 60_000 },
        (error, _o, stderr) => resolve({ code: error ? 1 : 0, stderr }),
      );
      child.stdin!.end(`kcat ${user}\n`);
    });
  const confluent = async (action: 'produce' | 'consume', user: User, topic: string, group?: string) => {
    const r = await run(PYTHON, [ACL_CLIENTS, 'confluent-kafka', action, sasl(2), topic, user, USERS[user], ...(group ? [group] : [])]);
    if (r.code !== 0) throw new Error(`confluent-kafka crashed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok?: boolean; values?: string[]; error?: string };
  };
  /** Whether alice's kcat may write to the topic through every broker. */
  const aliceWritesEverywhere = async (topic: string, allowed: boolean) => {
    for (const id of cluster.brokerIds) {
      const r = await kcatProduce(id, 'alice', topic);
      if ((r.code === 0) !== allowed) return false;
      if (!allowed && !/Topic authorization failed/.test(r.stderr)) throw new Error(`kcat failed otherwise: ${r.stderr}`);
    }
    return true;
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({
      brokers: 2,
      interBrokerProtocol: 'SASL_PLAINTEXT',
      settings: {
        'authorizer.class.name': AUTHORIZER,
        'super.users': 'User:broker',
        'sasl.enabled.mechanisms': 'PLAIN',
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        'listener.name.internal.plain.sasl.jaas.config': `${PLAIN_LOGIN} required username="broker" password="${USERS.broker}" ${Object.entries(USERS)
          .map(([u, p]) => `user_${u}="${p}"`)
          .join(' ')};`,
      },
    });
    brokerConfig = commandConfig({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': `${PLAIN_LOGIN} required username="broker" password="${USERS.broker}";`,
    });
    const admin = new Admin({
      'bootstrap.servers': sasl(1),
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.username': 'broker',
      'sasl.password': USERS.broker,
    });
    try {
      // Two partitions, one led by each broker: writes to both reach both brokers' authorizers.
      await admin.createTopics([{ name: 'zk-orders', numPartitions: 2, replicationFactor: 2 }]);
    } finally {
      await admin.close();
    }
    zk = await ZooKeeperClient.connect({ 'zookeeper.connect': cluster.connectString });
  }, 120_000);

  afterAll(async () => {
    await zk?.close();
    await cluster?.close();
  });

  it('adds ACLs the brokers enforce, lists them as the brokers do, and removes them with --force', async () => {
    expect(await aliceWritesEverywhere('zk-orders', false)).toBe(true);
    // One through the brokers first, so both ways list both.
    const viaBrokers = await shell(`${bootstrapMode()} --add --allow-principal User:bob --operation Describe --cluster`);
    expect(viaBrokers.status).toBe(0);

    const producer = await shell(`${zkMode()} --add --allow-principal User:alice --producer --topic zk-orders`);
    expect(producer.status).toBe(0);
    expect(producer.stderr).toBe(`${AUTHORIZER_DEPRECATION}\n`);
    expect(producer.stdout).toContain('Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=zk-orders, patternType=LITERAL)`: \n');
    expect(producer.stdout).toContain('\t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)');
    expect(producer.stdout).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=zk-orders, patternType=LITERAL)`: \n');
    const consumer = await shell(`${zkMode()} --add --allow-principal User:bob --consumer --topic zk-orders --group zk-bob`);
    expect(consumer.status).toBe(0);
    // alice may use a group of her own, but a prefixed DENY (in /kafka-acl-extended/prefixed) keeps her from reading.
    const aliceGroup = await shell(`${zkMode()} --add --allow-principal User:alice --operation Read --group zk-alice`);
    expect(aliceGroup.status).toBe(0);
    const deny = await shell(`${zkMode()} --add --deny-principal User:alice --operation Read --topic zk- --resource-pattern-type prefixed`);
    expect(deny.status).toBe(0);

    // Kafka's znodes, announced so the running brokers reload.
    const literal = JSON.parse((await zk.getData('/kafka-acl/Topic/zk-orders')).data!.toString());
    expect(literal.acls).toContainEqual({ principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' });
    const prefixed = JSON.parse((await zk.getData('/kafka-acl-extended/prefixed/Topic/zk-')).data!.toString());
    expect(prefixed.acls).toEqual([{ principal: 'User:alice', permissionType: 'Deny', operation: 'Read', host: '*' }]);

    await waitUntil(() => aliceWritesEverywhere('zk-orders', true), "alice's writes allowed by every broker");
    expect(await confluent('produce', 'alice', 'zk-orders')).toEqual({ ok: true });
    expect(await confluent('produce', 'bob', 'zk-orders')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    expect((await confluent('consume', 'bob', 'zk-orders', 'zk-bob')).values).toHaveLength(5);
    expect(await confluent('consume', 'alice', 'zk-orders', 'zk-alice')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });

    // Both ways list the same, everything and one resource (the brokers' view once they have reloaded).
    for (const filter of ['', '--topic zk-orders', '--principal User:bob']) {
      const fromZk = await shell(`${zkMode()} --list ${filter}`);
      expect(fromZk.status).toBe(0);
      await waitUntil(async () => (await shell(`${bootstrapMode()} --list ${filter}`)).stdout === fromZk.stdout, `--list ${filter} the same both ways`);
    }
    const all = (await shell(`${zkMode()} --list`)).stdout;
    expect(all).toContain('Current ACLs for resource `ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, patternType=LITERAL)`: \n');
    expect(all).toContain('Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=zk-bob, patternType=LITERAL)`: \n');
    expect(all).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=zk-, patternType=PREFIXED)`: \n');

    // Without --force the tool asks, and anything but y keeps them.
    const kept = await shell(`echo n | ${zkMode()} --remove --topic zk-orders`);
    expect(kept.status).toBe(0);
    expect(kept.stdout).toContain(
      'Are you sure you want to delete all ACLs for resource filter `ResourcePatternFilter(resourceType=TOPIC, name=zk-orders, patternType=LITERAL)`? (y/n)',
    );
    expect(kept.stdout).toContain('\t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)');

    const removed = await shell(`${zkMode()} --remove --force --allow-principal User:alice --producer --topic zk-orders`);
    expect(removed.status).toBe(0);
    expect(removed.stdout).not.toContain('User:alice, host=*, operation=WRITE');
    expect(removed.stdout).toContain('\t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)');
    await waitUntil(() => aliceWritesEverywhere('zk-orders', false), "alice's writes refused again by every broker");
    await waitUntil(
      async () => !(await shell(`${bootstrapMode()} --list --principal User:alice`)).stdout.includes('WRITE'),
      'the brokers to drop the removed ACLs',
    );
  });
});
