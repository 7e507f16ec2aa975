import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { ClusterAuthorizationError, GroupAuthorizationError, SecurityDisabledError, TopicAuthorizationError } from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { type AclBindingFilter, AclOperation, AclPermissionType, bindingKey, CLUSTER_NAME, PatternType, ResourceType } from '../../src/protocol/acl.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { acl } from '../broker/authorizer/bindings.js';
import { MAIN } from '../broker/broker-process.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { expectRejected } from '../errors.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/acl_clients.py', import.meta.url));
const KCAT = '/usr/bin/kcat';

const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' } as const;
type User = keyof typeof USERS;

function run(file: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

const ANY_ENTRY = { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY };
const EVERY_ACL: AclBindingFilter = { pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }, entry: ANY_ENTRY };

describe('ACLs with real clients over SASL_PLAINTEXT (PLAIN users)', { timeout: 120_000 }, () => {
  let b: TestBroker;
  let bootstrap: string;
  const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(USERS)
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ')};`;
  const settings = {
    // Clients on SASL_PLAINTEXT; the broker's own requests to itself (transaction markers) on a plaintext INTERNAL listener, as User:ANONYMOUS.
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaas,
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': 'User:admin;User:ANONYMOUS',
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'group.initial.rebalance.delay.ms': 0,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 3,
  };

  const clientConfig = (user: User) => ({
    'bootstrap.servers': bootstrap,
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${USERS[user]}";`,
  });
  const withAdmin = async <R>(user: User, use: (admin: Admin) => Promise<R>): Promise<R> => {
    const admin = new Admin({ ...clientConfig(user), 'default.api.timeout.ms': 10_000 });
    try {
      return await use(admin);
    } finally {
      await admin.close();
    }
  };
  const kcat = (user: User, args: string[], input = '') =>
    run(
      KCAT,
      [
        '-b',
        bootstrap,
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanism=PLAIN',
        '-X',
        `sasl.username=${user}`,
        '-X',
        `sasl.password=${USERS[user]}`,
        '-m',
        '10',
        ...args,
      ],
      input,
    );
  const kcatProduce = (user: User, topic: string) => kcat(user, ['-P', '-t', topic, '-p', '0'], 'kcat 0\nkcat 1\n');
  const python = async (client: 'confluent-kafka' | 'kafka-python', action: string, user: User, topic: string, group?: string) => {
    const r = await run(PYTHON, [SCRIPT, client, action, bootstrap, topic, user, USERS[user], ...(group ? [group] : [])]);
    if (r.code !== 0) throw new Error(`${client} crashed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok?: boolean; values?: string[]; error?: string };
  };

  beforeAll(async () => {
    b = await startBroker(settings);
    bootstrap = b.bootstrap;
    await withAdmin('admin', (admin) =>
      admin.createTopics([
        { name: 'acl-secret', numPartitions: 1, replicationFactor: 1 },
        { name: 'acl-orders', numPartitions: 1, replicationFactor: 1 },
        { name: 'acl-mixed', numPartitions: 1, replicationFactor: 1 },
      ]),
    );
    // Records to consume in the tests that read.
    for (const topic of ['acl-secret', 'acl-orders', 'acl-mixed']) {
      const produced = await kcat('admin', ['-P', '-t', topic, '-p', '0'], `${[0, 1, 2, 3, 4].map((i) => `${topic} ${i}`).join('\n')}\n`);
      expect(produced.code).toBe(0);
    }
  });

  afterAll(async () => {
    await b?.stop();
  });

  it('a principal with no ACL is denied produce, consume, group use and admin, as each client reports it', async () => {
    const kcatDenied = await kcatProduce('carol', 'acl-secret');
    expect(kcatDenied.code).not.toBe(0);
    expect(kcatDenied.stderr).toMatch(/Topic authorization failed/);
    const kcatRead = await kcat('carol', ['-C', '-t', 'acl-secret', '-p', '0', '-o', 'beginning', '-c', '1', '-e']);
    expect(kcatRead.stderr).toMatch(/Topic authorization failed/);

    expect(await python('confluent-kafka', 'produce', 'carol', 'acl-secret')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    // kafka-python 2.0.2's producer turns a lone unauthorized topic into a metadata timeout (it does so against Kafka too).
    expect(await python('kafka-python', 'produce', 'carol', 'acl-secret')).toEqual({ error: 'KafkaTimeoutError' });
    expect(await python('confluent-kafka', 'consume', 'carol', 'acl-secret', 'carol-group')).toEqual({ error: 'GROUP_AUTHORIZATION_FAILED' });
    expect(await python('kafka-python', 'consume', 'carol', 'acl-secret', 'carol-group')).toEqual({ error: 'GroupAuthorizationFailedError' });
    expect(await python('confluent-kafka', 'create-topic', 'carol', 'acl-carol-new')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });

    await withAdmin('carol', async (admin) => {
      // Metadata hides what carol may not describe; admin calls need their grants.
      expect(await admin.listTopics()).not.toContain('acl-secret');
      await expectRejected(admin.describeAcls(EVERY_ACL), ClusterAuthorizationError, { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }, /.*/);
      await expectRejected(
        admin.createAcls([acl(ResourceType.TOPIC, 'acl-secret', PatternType.LITERAL, 'User:carol', AclOperation.ALL)]),
        ClusterAuthorizationError,
        {},
        /.*/,
      );
      await expectRejected(
        admin.deleteTopics(['acl-secret']),
        TopicAuthorizationError,
        { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
        /Authorization failed/,
      );
      await expectRejected(admin.deleteConsumerGroups(['carol-group']), GroupAuthorizationError, { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }, /.*/);
    });
    // samsa's idempotent producer: InitProducerId needs WRITE somewhere (KIP-679) or IDEMPOTENT_WRITE.
    const producer = new Producer({ ...clientConfig('carol'), 'max.block.ms': 5000, 'delivery.timeout.ms': 5000, 'request.timeout.ms': 3000 });
    try {
      await expect(producer.send({ topic: 'acl-secret', partition: 0, value: 'x' })).rejects.toBeInstanceOf(Error);
    } finally {
      await producer.close();
    }
    // Nothing carol asked for happened.
    expect(b.broker.context.replicas.getPartition('acl-secret', 0)!.log.logEndOffset).toBe(5);
    expect(b.broker.context.topics.get('acl-carol-new')).toBeUndefined();
  });

  it('literal and prefixed grants allow exactly what they name', async () => {
    await withAdmin('admin', (admin) =>
      admin.createAcls([
        acl(ResourceType.TOPIC, 'acl-orders', PatternType.LITERAL, 'User:alice', AclOperation.WRITE),
        acl(ResourceType.TOPIC, 'acl-orders', PatternType.LITERAL, 'User:alice', AclOperation.READ),
        acl(ResourceType.GROUP, 'alice-group', PatternType.LITERAL, 'User:alice', AclOperation.READ),
        acl(ResourceType.TOPIC, 'acl-logs-', PatternType.PREFIXED, 'User:bob', AclOperation.ALL),
        acl(ResourceType.GROUP, 'bob-', PatternType.PREFIXED, 'User:bob', AclOperation.READ),
      ]),
    );
    // alice: the literal topic, not a name sharing its prefix; her group, not another.
    expect(await python('confluent-kafka', 'produce', 'alice', 'acl-orders')).toEqual({ ok: true });
    expect(await python('kafka-python', 'consume', 'alice', 'acl-orders', 'alice-group')).toMatchObject({ values: expect.arrayContaining(['acl-orders 0']) });
    expect(await python('confluent-kafka', 'produce', 'alice', 'acl-orders-2')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await python('confluent-kafka', 'consume', 'alice', 'acl-secret', 'alice-group')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await python('confluent-kafka', 'consume', 'alice', 'acl-orders', 'other-group')).toEqual({ error: 'GROUP_AUTHORIZATION_FAILED' });
    // READ implies DESCRIBE, but WRITE on acl-orders grants nothing on acl-secret.
    expect((await kcatProduce('alice', 'acl-secret')).stderr).toMatch(/Topic authorization failed/);

    // bob: ALL on the prefix, auto-creation included (CREATE on the topic), any group starting bob-.
    expect(await python('confluent-kafka', 'produce', 'bob', 'acl-logs-app')).toEqual({ ok: true });
    expect(await python('kafka-python', 'consume', 'bob', 'acl-logs-app', 'bob-readers')).toMatchObject({
      values: [0, 1, 2, 3, 4].map((i) => `confluent ${i}`),
    });
    expect(await python('confluent-kafka', 'produce', 'bob', 'acl-log')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(b.broker.context.topics.get('acl-log')).toBeUndefined();
    expect(await python('confluent-kafka', 'consume', 'bob', 'acl-orders', 'bob-readers')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });

    await withAdmin('bob', async (admin) => {
      const topics = await admin.listTopics();
      expect(topics).toContain('acl-logs-app');
      expect(topics).not.toContain('acl-orders');
      expect(topics).not.toContain('acl-secret');
    });
    // samsa's own producer, idempotent: WRITE on a topic is enough for InitProducerId.
    const producer = new Producer({ ...clientConfig('alice'), 'max.block.ms': 10_000 });
    try {
      await producer.send({ topic: 'acl-orders', partition: 0, value: 'samsa' });
    } finally {
      await producer.close();
    }
  });

  it('DENY overrides ALLOW', async () => {
    await withAdmin('admin', (admin) =>
      admin.createAcls([
        acl(ResourceType.TOPIC, 'acl-mixed', PatternType.LITERAL, 'User:*', AclOperation.READ),
        acl(ResourceType.GROUP, '*', PatternType.LITERAL, 'User:*', AclOperation.READ),
        acl(ResourceType.TOPIC, 'acl-mix', PatternType.PREFIXED, 'User:alice', AclOperation.READ, AclPermissionType.DENY),
      ]),
    );
    expect(await python('kafka-python', 'consume', 'bob', 'acl-mixed', 'mixed-bob')).toMatchObject({ values: expect.arrayContaining(['acl-mixed 0']) });
    expect(await python('kafka-python', 'consume', 'alice', 'acl-mixed', 'mixed-alice')).toEqual({ error: 'TopicAuthorizationFailedError' });
    const kcatAlice = await kcat('alice', ['-C', '-t', 'acl-mixed', '-p', '0', '-o', 'beginning', '-c', '1', '-e']);
    expect(kcatAlice.stderr).toMatch(/Topic authorization failed/);
    // The DENY is of READ only: alice still describes the topic (the wildcard READ implies DESCRIBE, which the DENY does not cover).
    await withAdmin('alice', async (admin) => expect(await admin.listTopics()).toContain('acl-mixed'));
  });

  it('a transactional producer needs WRITE on its transactional id as well as on the topic', async () => {
    await withAdmin('admin', async (admin) => {
      await admin.createTopics([{ name: 'acl-txn', numPartitions: 1, replicationFactor: 1 }]);
      await admin.createAcls([
        acl(ResourceType.TOPIC, 'acl-txn', PatternType.LITERAL, 'User:alice', AclOperation.WRITE),
        acl(ResourceType.TRANSACTIONAL_ID, 'tx-alice', PatternType.LITERAL, 'User:alice', AclOperation.WRITE),
      ]);
    });
    expect(await python('confluent-kafka', 'transact', 'alice', 'acl-txn', 'tx-alice')).toEqual({ ok: true });
    // Five records and the commit marker.
    expect(b.broker.context.replicas.getPartition('acl-txn', 0)!.log.logEndOffset).toBe(6);
    expect(await python('confluent-kafka', 'transact', 'alice', 'acl-txn', 'tx-other')).toEqual({ error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    expect(await python('confluent-kafka', 'transact', 'bob', 'acl-txn', 'tx-alice')).toEqual({ error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    expect(b.broker.context.replicas.getPartition('acl-txn', 0)!.log.logEndOffset).toBe(6);
  });

  it('super users pass whatever the ACLs say, and ACLs survive a restart', async () => {
    await withAdmin('admin', (admin) =>
      admin.createAcls([acl(ResourceType.TOPIC, 'acl-secret', PatternType.LITERAL, 'User:admin', AclOperation.ALL, AclPermissionType.DENY)]),
    );
    expect(await python('confluent-kafka', 'produce', 'admin', 'acl-secret')).toEqual({ ok: true });
    const before = await withAdmin('admin', (admin) => admin.describeAcls(EVERY_ACL));
    expect(before.length).toBeGreaterThanOrEqual(11);

    b = await b.restart();
    bootstrap = b.bootstrap;
    const after = await withAdmin('admin', (admin) => admin.describeAcls(EVERY_ACL));
    expect(after.map(bindingKey).sort()).toEqual(before.map(bindingKey).sort());
    expect(await python('confluent-kafka', 'produce', 'alice', 'acl-orders')).toEqual({ ok: true });
    expect(await python('confluent-kafka', 'produce', 'carol', 'acl-secret')).toEqual({ error: 'TOPIC_AUTHORIZATION_FAILED' });
  });

  it('samsa acls adds, lists and removes ACLs from a shell, and refuses a principal without ALTER on the cluster', async () => {
    const file = (user: User) => {
      const path = join(b.dir, `${user}.properties`);
      writeFileSync(
        path,
        [
          'security.protocol=SASL_PLAINTEXT',
          'sasl.mechanism=PLAIN',
          `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${USERS[user]}";`,
        ].join('\n'),
      );
      return path;
    };
    const acls = (user: User, rest: string) =>
      run('/bin/sh', ['-c', `"${process.execPath}" "${MAIN}" acls --bootstrap-server ${bootstrap} --command-config "${file(user)}" ${rest}`]);

    const added = await acls(
      'admin',
      "--add --allow-principal User:dave --operation Read --operation Describe --topic 'cli-' --resource-pattern-type prefixed",
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=cli-, patternType=PREFIXED)`: \n');
    expect(added.stdout).toContain('\t(principal=User:dave, host=*, operation=READ, permissionType=ALLOW)');
    expect(added.stdout).toContain('Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=cli-, patternType=PREFIXED)`: \n');

    const producerAdded = await acls('admin', '--add --allow-principal User:erin --producer --topic cli-out --idempotent');
    expect(producerAdded.code).toBe(0);
    const erin = await withAdmin('admin', (admin) =>
      admin.describeAcls({
        pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY },
        entry: { ...ANY_ENTRY, principal: 'User:erin' },
      }),
    );
    expect(erin.map((a) => `${a.pattern.resourceType}:${a.pattern.name}:${a.entry.operation}`).sort()).toEqual(
      [
        `${ResourceType.TOPIC}:cli-out:${AclOperation.WRITE}`,
        `${ResourceType.TOPIC}:cli-out:${AclOperation.DESCRIBE}`,
        `${ResourceType.TOPIC}:cli-out:${AclOperation.CREATE}`,
        `${ResourceType.CLUSTER}:${CLUSTER_NAME}:${AclOperation.IDEMPOTENT_WRITE}`,
      ].sort(),
    );

    const listed = await acls('admin', '--list --topic cli- --resource-pattern-type prefixed');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=cli-, patternType=PREFIXED)`: \n' +
        ' \t(principal=User:dave, host=*, operation=READ, permissionType=ALLOW)\n' +
        '\t(principal=User:dave, host=*, operation=DESCRIBE, permissionType=ALLOW) \n\n',
    );

    const refused = await acls('carol', '--list');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^Error while executing ACL command: /);

    const removed = await acls('admin', '--remove --force --allow-principal User:dave --operation Read --topic cli- --resource-pattern-type prefixed');
    expect(removed.code).toBe(0);
    const left = await withAdmin('admin', (admin) =>
      admin.describeAcls({ pattern: { resourceType: ResourceType.TOPIC, name: 'cli-', patternType: PatternType.PREFIXED }, entry: ANY_ENTRY }),
    );
    expect(left.map((a) => a.entry.operation)).toEqual([AclOperation.DESCRIBE]);
    // Without --force the tool asks; anything but y keeps the ACLs.
    const kept = await run('/bin/sh', [
      '-c',
      `echo n | "${process.execPath}" "${MAIN}" acls --bootstrap-server ${bootstrap} --command-config "${file('admin')}" --remove --topic cli- --resource-pattern-type prefixed`,
    ]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('Are you sure you want to delete all ACLs for resource filter');
    const usage = await acls('admin', '--add --topic x');
    expect(usage.code).toBe(1);
  });
});

describe('without an authorizer', () => {
  it('answers the ACL APIs SECURITY_DISABLED and authorizes every request, as today', async () => {
    const b = await startBroker();
    const admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    try {
      await expectRejected(admin.describeAcls(EVERY_ACL), SecurityDisabledError, { errorCode: ErrorCode.SECURITY_DISABLED }, /No Authorizer is configured/);
      await expectRejected(
        admin.createAcls([acl(ResourceType.TOPIC, 't', PatternType.LITERAL, 'User:x', AclOperation.READ)]),
        SecurityDisabledError,
        { errorCode: ErrorCode.SECURITY_DISABLED },
        /No Authorizer/,
      );
      await admin.createTopics([{ name: 'open', numPartitions: 1, replicationFactor: 1 }]);
      expect(await admin.listTopics()).toContain('open');
    } finally {
      await admin.close();
      await b.stop();
    }
  });
});
