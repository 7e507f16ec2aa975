import { createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { Settled } from '../../src/clients/admin/types.js';
import {
  ElectionNotNeededError,
  GroupIdNotFoundError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidReplicaAssignmentError,
  InvalidRequestError,
  InvalidTopicError,
  KafkaApiError,
  KafkaClientError,
  NonEmptyGroupError,
  NoReassignmentInProgressError,
  OffsetOutOfRangeError,
  TimeoutError,
  TopicAlreadyExistsError,
  UnknownMemberIdError,
  UnknownTopicOrPartitionError,
} from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { RawClient } from '../broker/raw-client.js';

let b: TestBroker;
let admin: Admin;

/** The error of a failed item (the test fails if the item succeeded). */
function errorOf(outcome: Settled<unknown> | undefined): Error {
  if (!outcome || outcome.ok) throw new Error(`expected a failed item, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

beforeAll(async () => {
  b = await startBroker({ 'num.partitions': 2, 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 });
  admin = new Admin({ 'bootstrap.servers': b.bootstrap });
});
afterAll(async () => {
  await admin.close();
  await b.stop();
});

describe('Admin: topics', () => {
  it('createTopics: counts, assignments, configs, validateOnly and refusals', async () => {
    const created = await admin.createTopics([
      { name: 'adm-a', numPartitions: 3, configs: { 'retention.ms': '3600000' } },
      { name: 'adm-b', replicasAssignments: { 0: [0], 1: [0] } },
      { name: 'adm-default' },
    ]);
    expect(created.map((t) => [t.name, t.numPartitions, t.replicationFactor])).toEqual([
      ['adm-a', 3, 1],
      ['adm-b', 2, 1],
      ['adm-default', 2, 1],
    ]);
    expect(created[0]!.configs['retention.ms']).toBe('3600000');
    expect(created[0]!.topicId.equals(b.broker.context.topics.get('adm-a')!.id)).toBe(true);
    expect(b.broker.context.topics.get('adm-b')!.replicas.length).toBe(2);

    const checked = await admin.createTopics([{ name: 'adm-validate-only', numPartitions: 4 }], { validateOnly: true });
    expect(checked[0]!.numPartitions).toBe(4);
    expect(b.broker.context.topics.get('adm-validate-only')).toBeUndefined();

    const exists = await admin.createTopics([{ name: 'adm-a', numPartitions: 1 }]).catch((e) => e);
    expect(exists).toBeInstanceOf(TopicAlreadyExistsError);
    expect(exists.message).toMatch(/^TOPIC_ALREADY_EXISTS: .*adm-a/);
    await expect(admin.createTopics([{ name: 'bad name!' }])).rejects.toBeInstanceOf(InvalidTopicError);
    await expect(admin.createTopics([{ name: 'adm-zero', numPartitions: 0 }])).rejects.toBeInstanceOf(InvalidPartitionsError);
    await expect(admin.createTopics([{ name: 'adm-badcfg', configs: { 'retention.ms': 'soon' } }])).rejects.toBeInstanceOf(InvalidConfigError);
  });

  it('listTopics and describeTopics', async () => {
    const names = await admin.listTopics();
    expect(names).toEqual(expect.arrayContaining(['adm-a', 'adm-b', 'adm-default']));
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain('__consumer_offsets');
    const [a] = await admin.describeTopics(['adm-a']);
    expect(a!.name).toBe('adm-a');
    expect(a!.isInternal).toBe(false);
    expect(a!.partitions.map((p) => [p.partition, p.leader?.id, p.leader?.port, p.replicas, p.isr])).toEqual([
      [0, 0, b.port, [0], [0]],
      [1, 0, b.port, [0], [0]],
      [2, 0, b.port, [0], [0]],
    ]);
    // Not retried until the timeout (that would be a TimeoutError), though the Java client marks it retriable.
    await expect(admin.describeTopics(['adm-missing'])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it('describeTopics with partitionSizeLimitPerResponse: DescribeTopicPartitions, paged, with eligible leader replicas', async () => {
    const paged = await admin.describeTopics(['adm-a', 'adm-b'], { partitionSizeLimitPerResponse: 1 });
    expect(paged.map((t) => [t.name, t.partitions.map((p) => p.partition)])).toEqual([
      ['adm-a', [0, 1, 2]],
      ['adm-b', [0, 1]],
    ]);
    const [viaMetadata] = await admin.describeTopics(['adm-a']);
    expect(paged[0]!.topicId.equals(viaMetadata!.topicId)).toBe(true);
    expect(paged[0]!.partitions.map((p) => [p.leader?.id, p.leader?.port, p.replicas, p.isr, p.elr, p.lastKnownElr])).toEqual(
      viaMetadata!.partitions.map((p) => [p.leader?.id, p.leader?.port, p.replicas, p.isr, [], []]),
    );
    expect(viaMetadata!.partitions[0]!.elr).toBeUndefined();
    await expect(admin.describeTopics(['adm-missing'], { partitionSizeLimitPerResponse: 10 })).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it('describeLogDirs: each broker’s log dirs with the partitions they hold', async () => {
    const [dirs] = await admin.describeLogDirs([0]);
    expect(dirs!.broker).toBe(0);
    expect(dirs!.logDirs).toHaveLength(1);
    const [dir] = dirs!.logDirs;
    expect(dir!.error).toBeNull();
    expect(dir!.totalBytes).toBeGreaterThan(0);
    expect(
      dir!.replicas
        .filter((r) => r.topic === 'adm-a')
        .map((r) => r.partition)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it('a call over several items settles each: awaited, the first error; settled(), every outcome in item order', async () => {
    const call = admin.describeTopics(['adm-a', 'adm-missing', 'adm-b']);
    const settled = await call.settled();
    expect(settled.map((s) => s.ok)).toEqual([true, false, true]);
    expect(settled[0]!.ok && settled[0]!.value.partitions.length).toBe(3);
    expect(errorOf(settled[1])).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(settled[2]!.ok && settled[2]!.value.name).toBe('adm-b');
    await expect(call).rejects.toBe(errorOf(settled[1]));
    // Read only through settled(), a failed call leaves no unhandled rejection behind (vitest would report one).
    expect((await admin.deleteTopics(['adm-missing']).settled()).map((s) => s.ok)).toEqual([false]);
  });

  it('createPartitions raises counts and refuses to lower them', async () => {
    await admin.createPartitions({ 'adm-default': 5 });
    expect((await admin.describeTopics(['adm-default']))[0]!.partitions.length).toBe(5);
    await admin.createPartitions({ 'adm-default': { totalCount: 6, assignments: [[0]] } });
    expect(b.broker.context.topics.get('adm-default')!.replicas.length).toBe(6);
    const lower = await admin.createPartitions({ 'adm-default': 2 }).catch((e) => e);
    expect(lower).toBeInstanceOf(InvalidPartitionsError);
    await expect(admin.createPartitions({ 'adm-nope': 3 })).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it('deleteTopics', async () => {
    await admin.createTopics([{ name: 'adm-doomed', numPartitions: 1 }]);
    await admin.deleteTopics(['adm-doomed']);
    expect(await admin.listTopics()).not.toContain('adm-doomed');
    expect(b.broker.context.topics.get('adm-doomed')).toBeUndefined();
    await expect(admin.deleteTopics(['adm-doomed'])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });
});

describe('Admin: configs', () => {
  it('describeConfigs: topic overrides and defaults with their sources, broker configs, errors', async () => {
    const [topic] = await admin.describeConfigs([{ type: 'topic', name: 'adm-a' }], { includeSynonyms: true, includeDocumentation: true });
    const retention = topic!.entries.find((e) => e.name === 'retention.ms')!;
    expect(retention).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_TOPIC_CONFIG',
      isDefault: false,
      isReadOnly: false,
      isSensitive: false,
      type: 'LONG',
    });
    expect(retention.synonyms[0]).toEqual({ name: 'retention.ms', value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(retention.documentation).toMatch(/\w+/);
    const cleanup = topic!.entries.find((e) => e.name === 'cleanup.policy')!;
    expect(cleanup).toMatchObject({ value: 'delete', source: 'DEFAULT_CONFIG', isDefault: true, type: 'LIST' });
    const only = await admin.describeConfigs([{ type: 'topic', name: 'adm-a' }], { configNames: ['segment.bytes'] });
    expect(only[0]!.entries.map((e) => e.name)).toEqual(['segment.bytes']);
    const [brokerConfigs] = await admin.describeConfigs([{ type: 'broker', name: '0' }]);
    expect(brokerConfigs!.entries.find((e) => e.name === 'num.partitions')).toMatchObject({ value: '2', source: 'STATIC_BROKER_CONFIG' });
    await expect(admin.describeConfigs([{ type: 'topic', name: 'adm-missing' }])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    const [loggers] = await admin.describeConfigs([{ type: 'broker-logger', name: '0' }]);
    expect(loggers!.entries).toMatchObject([{ name: 'root', value: 'INFO', source: 'DYNAMIC_BROKER_LOGGER_CONFIG' }]);
    await expect(admin.describeConfigs([{ type: 'broker-logger', name: 'x' }])).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('alterConfigs replaces the overrides; incrementalAlterConfigs sets, deletes, appends and subtracts', async () => {
    const topic = { type: 'topic', name: 'adm-b' } as const;
    const value = async (name: string) => (await admin.describeConfigs([topic], { configNames: [name] }))[0]!.entries[0]!;
    await admin.alterConfigs([{ resource: topic, entries: { 'retention.ms': '1000', 'segment.ms': '60000' } }]);
    expect((await value('retention.ms')).value).toBe('1000');
    await admin.alterConfigs([{ resource: topic, entries: { 'segment.ms': '70000' } }]);
    expect(await value('retention.ms')).toMatchObject({ value: '604800000', source: 'DEFAULT_CONFIG' });
    expect((await value('segment.ms')).value).toBe('70000');
    await admin.alterConfigs([{ resource: topic, entries: { 'retention.ms': '5' } }], { validateOnly: true });
    expect((await value('retention.ms')).value).toBe('604800000');

    await admin.incrementalAlterConfigs([
      {
        resource: topic,
        ops: [
          { name: 'max.message.bytes', value: '5000', op: 'set' },
          { name: 'cleanup.policy', value: 'compact', op: 'append' },
        ],
      },
    ]);
    expect((await value('max.message.bytes')).value).toBe('5000');
    expect((await value('cleanup.policy')).value).toBe('delete,compact');
    await admin.incrementalAlterConfigs([
      {
        resource: topic,
        ops: [
          { name: 'cleanup.policy', value: 'delete', op: 'subtract' },
          { name: 'max.message.bytes', op: 'delete' },
        ],
      },
    ]);
    expect((await value('cleanup.policy')).value).toBe('compact');
    expect((await value('max.message.bytes')).source).toBe('DEFAULT_CONFIG');
    expect((await value('segment.ms')).value).toBe('70000');
    await expect(admin.incrementalAlterConfigs([{ resource: topic, ops: [{ name: 'retention.ms', value: 'never', op: 'set' }] }])).rejects.toBeInstanceOf(
      InvalidConfigError,
    );
    await expect(admin.alterConfigs([{ resource: { type: 'topic', name: 'adm-missing' }, entries: {} }])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });
});

describe('Admin: offsets, records and the cluster', () => {
  it('listOffsets: earliest, latest, max-timestamp and by time; deleteRecords moves the low watermark', async () => {
    await admin.createTopics([{ name: 'adm-offsets', numPartitions: 2 }]);
    const producer = new Producer({ 'bootstrap.servers': b.bootstrap });
    const base = 1_700_000_000_000;
    const stamps = [5, 1, 9, 3, 7, 2, 8, 4, 6, 0];
    await Promise.all(stamps.map((s, i) => producer.send({ topic: 'adm-offsets', partition: 0, value: `r${i}`, timestamp: base + s * 1000 })));
    await producer.close();
    const listed = await admin.listOffsets([
      { topic: 'adm-offsets', partition: 0, spec: 'earliest' },
      { topic: 'adm-offsets', partition: 0, spec: 'latest' },
      { topic: 'adm-offsets', partition: 0, spec: 'max-timestamp' },
      { topic: 'adm-offsets', partition: 0, spec: { timestamp: base + 6500 } },
      { topic: 'adm-offsets', partition: 1, spec: 'latest' },
      { topic: 'adm-offsets', partition: 0, spec: { timestamp: base + 60_000 } },
    ]);
    expect(listed.map((l) => [l.partition, l.offset, l.timestamp])).toEqual([
      [0, 0, -1],
      [0, 10, -1],
      [0, 2, base + 9000],
      [0, 2, base + 9000], // the first record at or after 6.5 s is the one at 9 s
      [1, 0, -1],
      [0, -1, -1],
    ]);
    await expect(admin.listOffsets([{ topic: 'adm-offsets', partition: 7, spec: 'latest' }])).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);

    const deleted = await admin.deleteRecords([{ topic: 'adm-offsets', partition: 0, beforeOffset: 4 }]);
    expect(deleted).toEqual([{ topic: 'adm-offsets', partition: 0, lowWatermark: 4 }]);
    expect((await admin.listOffsets([{ topic: 'adm-offsets', partition: 0, spec: 'earliest' }]))[0]!.offset).toBe(4);
    expect(b.broker.context.replicas.getPartition('adm-offsets', 0)!.logStartOffset).toBe(4);
    await expect(admin.deleteRecords([{ topic: 'adm-offsets', partition: 0, beforeOffset: 11 }])).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect(await admin.deleteRecords([{ topic: 'adm-offsets', partition: 0, beforeOffset: -1 }])).toEqual([
      { topic: 'adm-offsets', partition: 0, lowWatermark: 10 },
    ]);
  });

  it('describeCluster', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.clusterId).toBe(b.broker.context.clusterId);
    expect(cluster.nodes).toEqual([{ id: 0, host: '127.0.0.1', port: b.port, rack: null }]);
    expect(cluster.controller).toEqual(cluster.nodes[0]);
  });

  it('a call that cannot reach a broker fails with a retriable TimeoutError after its timeout, each item of it too', async () => {
    const lonely = new Admin({ 'bootstrap.servers': '127.0.0.1:1', 'reconnect.backoff.max.ms': 50 });
    try {
      const error = await lonely.listTopics({ timeoutMs: 500 }).catch((e) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.retriable).toBe(true);
      expect(error.message).toMatch(/^listTopics timed out after 500 ms \(last error: .*127\.0\.0\.1:1/);

      const offsets = lonely.deleteConsumerGroupOffsets(
        'adm-lonely',
        [
          { topic: 't', partition: 0 },
          { topic: 't', partition: 1 },
        ],
        { timeoutMs: 300 },
      );
      const settled = await offsets.settled();
      for (const outcome of settled) {
        expect(errorOf(outcome)).toBeInstanceOf(TimeoutError);
        expect((errorOf(outcome) as TimeoutError).retriable).toBe(true);
        expect(errorOf(outcome).message).toMatch(/^deleteConsumerGroupOffsets timed out after 300 ms/);
      }
      await expect(offsets).rejects.toBeInstanceOf(TimeoutError);
      const groups = await lonely.describeConsumerGroups(['adm-lonely-a', 'adm-lonely-b'], { timeoutMs: 300 }).settled();
      expect(groups.map((g) => errorOf(g) instanceof TimeoutError)).toEqual([true, true]);
    } finally {
      await lonely.close();
    }
  });
});

describe('Admin: leaders and reassignments, as a one-broker Kafka answers them', () => {
  const part = (partition: number) => ({ topic: 'adm-leaders', partition });
  beforeAll(async () => {
    await admin.createTopics([{ name: 'adm-leaders', numPartitions: 2 }]);
  });

  it('electLeaders: no election is needed for any partition; one that does not exist is unknown', async () => {
    for (const type of ['preferred', 'unclean'] as const) {
      const call = admin.electLeaders(type, [part(0), part(1), part(9)]);
      const [p0, p1, p9] = await call.settled();
      expect(errorOf(p0)).toBeInstanceOf(ElectionNotNeededError);
      expect(errorOf(p0).message).toContain('adm-leaders-0');
      expect(errorOf(p1)).toBeInstanceOf(ElectionNotNeededError);
      expect(errorOf(p9)).toBeInstanceOf(UnknownTopicOrPartitionError);
      await expect(call).rejects.toBeInstanceOf(ElectionNotNeededError);
    }
    // every partition: those that needed no election are left out
    expect(await admin.electLeaders('preferred', null)).toEqual([]);
  });

  it('ElectLeaders v0 (no top-level error, always preferred) answers per partition', async () => {
    const raw = await RawClient.connect(b.port);
    try {
      const response = await raw.request('ElectLeaders', 0, { topicPartitions: [{ topic: 'adm-leaders', partitions: [0, 5] }], timeoutMs: 1000 });
      expect(response.replicaElectionResults).toEqual([
        {
          topic: 'adm-leaders',
          partitionResult: [
            { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
            { partitionId: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' },
          ],
        },
      ]);
      const unknownType = await raw.request('ElectLeaders', 2, {
        electionType: 7,
        topicPartitions: [{ topic: 'adm-leaders', partitions: [0] }],
        timeoutMs: 1000,
      });
      expect(unknownType.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    } finally {
      raw.close();
    }
  });

  it('alterPartitionReassignments: only this broker is a valid target (nothing moves); nothing is ever in progress', async () => {
    const call = admin.alterPartitionReassignments(
      new Map([
        [part(0), { targetReplicas: [0] }],
        [part(1), null],
        [part(2), { targetReplicas: [0] }],
        [part(3), { targetReplicas: [] }],
        [part(4), { targetReplicas: [0, 0] }],
        [part(5), { targetReplicas: [0, 1] }],
      ]),
    );
    const outcomes = await call.settled();
    expect(outcomes[0]).toEqual({ ok: true, value: undefined });
    expect(outcomes.slice(1).map((o) => (errorOf(o) as KafkaApiError).errorCode)).toEqual([
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      // broker 1 does not exist: refused before the partition is looked up, as in Kafka
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ]);
    expect(errorOf(outcomes[1])).toBeInstanceOf(NoReassignmentInProgressError);
    await expect(call).rejects.toBeInstanceOf(NoReassignmentInProgressError);
    const [twoBrokers] = await admin.alterPartitionReassignments(new Map([[part(1), { targetReplicas: [0, 1] }]])).settled();
    expect(errorOf(twoBrokers)).toBeInstanceOf(InvalidReplicaAssignmentError);
    expect((await admin.describeTopics(['adm-leaders']))[0]!.partitions.map((p) => p.replicas)).toEqual([[0], [0]]);
    expect(await admin.listPartitionReassignments()).toEqual([]);
    expect(await admin.listPartitionReassignments([part(0)])).toEqual([]);
  });
});

describe('Admin: consumer groups', () => {
  it('lists, describes, reads, alters and deletes groups', async () => {
    await admin.createTopics([{ name: 'adm-group-topic', numPartitions: 3 }]);
    // A group made only of committed offsets (no members): Empty.
    await admin.alterConsumerGroupOffsets('adm-offsets-only', [
      { topic: 'adm-group-topic', partition: 0, offset: 5, metadata: 'five' },
      { topic: 'adm-group-topic', partition: 2, offset: 7 },
    ]);
    expect(await admin.listConsumerGroupOffsets('adm-offsets-only')).toEqual([
      { topic: 'adm-group-topic', partition: 0, offset: 5, leaderEpoch: -1, metadata: 'five' },
      { topic: 'adm-group-topic', partition: 2, offset: 7, leaderEpoch: -1, metadata: '' },
    ]);
    expect(await admin.listConsumerGroupOffsets('adm-offsets-only', { partitions: [{ topic: 'adm-group-topic', partition: 1 }] })).toEqual([
      { topic: 'adm-group-topic', partition: 1, offset: -1, leaderEpoch: -1, metadata: expect.anything() },
    ]);

    // A live group: one KafkaJS member holding all three partitions.
    const kafka = new Kafka({ clientId: 'adm-kjs', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'adm-live', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'adm-group-topic', fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    void consumer.run({ eachMessage: async () => undefined });
    await joined;

    const groups = await admin.listGroups();
    expect(groups.filter((g) => g.groupId.startsWith('adm-'))).toEqual([
      { groupId: 'adm-live', protocolType: 'consumer', state: 'Stable', type: 'classic' },
      { groupId: 'adm-offsets-only', protocolType: '', state: 'Empty', type: 'classic' },
    ]);
    expect((await admin.listGroups({ states: ['Empty'] })).map((g) => g.groupId)).toContain('adm-offsets-only');
    expect((await admin.listGroups({ states: ['Empty'] })).map((g) => g.groupId)).not.toContain('adm-live');

    const [live, dead] = await admin.describeGroups(['adm-live', 'adm-never-existed']);
    expect(live).toMatchObject({
      groupId: 'adm-live',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'RoundRobinAssigner',
      coordinator: { id: 0, port: b.port },
    });
    expect(live!.members.length).toBe(1);
    expect(live!.members[0]!.clientId).toBe('adm-kjs');
    expect(live!.members[0]!.assignment.map((a) => `${a.topic}-${a.partition}`).sort()).toEqual([
      'adm-group-topic-0',
      'adm-group-topic-1',
      'adm-group-topic-2',
    ]);
    expect(dead!.state).toBe('Dead');
    expect(dead!.members).toEqual([]);
    // As Java's describeConsumerGroups: the same, each member's assignment sorted.
    const [consumerLive, consumerDead] = await admin.describeConsumerGroups(['adm-live', 'adm-never-existed']);
    expect(consumerLive).toMatchObject({ groupId: 'adm-live', state: 'Stable', protocol: 'RoundRobinAssigner' });
    expect(consumerLive!.members[0]!.assignment).toEqual([0, 1, 2].map((partition) => ({ topic: 'adm-group-topic', partition })));
    expect(consumerDead).toMatchObject({ state: 'Dead', members: [] });

    // A group with members takes no commits from outside its generation, and keeps the offsets of topics it subscribes to.
    await expect(admin.alterConsumerGroupOffsets('adm-live', [{ topic: 'adm-group-topic', partition: 0, offset: 1 }])).rejects.toBeInstanceOf(
      UnknownMemberIdError,
    );
    const subscribed = await admin.deleteConsumerGroupOffsets('adm-live', [{ topic: 'adm-group-topic', partition: 1 }]).settled();
    expect((errorOf(subscribed[0]) as KafkaApiError).errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);

    await expect(admin.deleteConsumerGroups(['adm-live'])).rejects.toBeInstanceOf(NonEmptyGroupError);
    const deletions = await admin.deleteConsumerGroups(['adm-never-existed', 'adm-live']).settled();
    expect(deletions.map((d) => (errorOf(d) as KafkaApiError).errorCode)).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.NON_EMPTY_GROUP]);
    await consumer.disconnect();
    await admin.deleteConsumerGroups(['adm-live', 'adm-offsets-only']);
    expect((await admin.listGroups()).filter((g) => g.groupId.startsWith('adm-'))).toEqual([]);
    expect(await admin.listConsumerGroupOffsets('adm-offsets-only')).toEqual([]);
  }, 60_000);
});

describe('Admin: consumer group offsets, item by item', () => {
  const topic = 'cgo-offsets';
  const tp = (partition: number, t = topic) => ({ topic: t, partition });

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, numPartitions: 3 }]);
  });

  it('alterConsumerGroupOffsets: one result per partition; the ones a broker refuses are not retried', async () => {
    const group = 'cgo-alter';
    const call = admin.alterConsumerGroupOffsets(group, [
      { ...tp(0), offset: 4 },
      { ...tp(0, 'cgo-no-such-topic'), offset: 1 },
      { ...tp(1), offset: 2, metadata: 'x'.repeat(5000) }, // above offset.metadata.max.bytes
      { ...tp(2), offset: 6, leaderEpoch: 3, metadata: 'six' },
    ]);
    const settled = await call.settled();
    expect(settled.map((s) => s.ok)).toEqual([true, false, false, true]);
    // UNKNOWN_TOPIC_OR_PARTITION is retriable in Java's table, but final for a commit: not a TimeoutError.
    expect(errorOf(settled[1])).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect((errorOf(settled[2]) as KafkaApiError).errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    await expect(call).rejects.toBe(errorOf(settled[1]));
    expect(await admin.listConsumerGroupOffsets(group)).toEqual([
      { ...tp(0), offset: 4, leaderEpoch: -1, metadata: '' },
      { ...tp(2), offset: 6, leaderEpoch: 3, metadata: 'six' },
    ]);
  });

  it('listConsumerGroupOffsets: several partitions at once, -1 where none is committed; requireStable', async () => {
    const group = 'cgo-list';
    await admin.alterConsumerGroupOffsets(group, [
      { ...tp(0), offset: 3 },
      { ...tp(2), offset: 9 },
    ]);
    const wanted = [tp(2), tp(1), tp(0)];
    const listed = await admin.listConsumerGroupOffsets(group, { partitions: wanted });
    expect(listed.map((o) => [o.partition, o.offset])).toEqual([
      [0, 3],
      [1, -1],
      [2, 9],
    ]);
    expect(await admin.listConsumerGroupOffsets(group, { partitions: wanted, requireStable: true })).toEqual(listed);
    expect((await admin.listConsumerGroupOffsets(group, { requireStable: true })).map((o) => o.partition)).toEqual([0, 2]);
  });

  it("deleteConsumerGroupOffsets: per partition; the group's own error fails every partition and the call, even one of no partitions", async () => {
    const group = 'cgo-delete';
    await admin.alterConsumerGroupOffsets(
      group,
      [0, 1, 2].map((p) => ({ ...tp(p), offset: 5 })),
    );
    const call = admin.deleteConsumerGroupOffsets(group, [tp(0), tp(7), tp(2)]);
    const settled = await call.settled();
    expect(settled.map((s) => s.ok)).toEqual([true, false, true]);
    expect(errorOf(settled[1])).toBeInstanceOf(UnknownTopicOrPartitionError);
    await expect(call).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    expect((await admin.listConsumerGroupOffsets(group)).map((o) => o.partition)).toEqual([1]);

    const unknown = admin.deleteConsumerGroupOffsets('cgo-never-existed', [tp(0), tp(1)]);
    const each = await unknown.settled();
    expect(each.map((s) => errorOf(s) instanceof GroupIdNotFoundError)).toEqual([true, true]);
    await expect(unknown).rejects.toBeInstanceOf(GroupIdNotFoundError);
    await expect(admin.deleteConsumerGroupOffsets('cgo-never-existed', [])).rejects.toBeInstanceOf(GroupIdNotFoundError);
    expect(await admin.deleteConsumerGroupOffsets(group, [])).toEqual([]);
  });

  describe('beside a group of another protocol type', () => {
    let raw: RawClient;
    const connectGroup = 'cgo-connect';

    beforeAll(async () => {
      // A Kafka Connect-style group: one member, joined and synced over the raw protocol.
      raw = await RawClient.connect(b.port);
      const body = {
        groupId: connectGroup,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 5_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'connect',
        protocols: [{ name: 'sessioned', metadata: Buffer.from('worker') }],
        reason: null,
      };
      let joined = await raw.request('JoinGroup', 9, body);
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await raw.request('JoinGroup', 9, { ...body, memberId: joined.memberId });
      expect(joined.errorCode).toBe(ErrorCode.NONE);
      const synced = await raw.request('SyncGroup', 5, {
        groupId: connectGroup,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: null,
        protocolType: 'connect',
        protocolName: 'sessioned',
        assignments: [{ memberId: joined.memberId, assignment: Buffer.from('tasks') }],
      });
      expect(synced.errorCode).toBe(ErrorCode.NONE);
      await admin.alterConsumerGroupOffsets('cgo-simple', [{ ...tp(0), offset: 1 }]);
    });
    afterAll(() => raw?.close());

    it('listConsumerGroups leaves it out; describeConsumerGroups refuses it, item by item; describeGroups shows it', async () => {
      const all = (await admin.listGroups()).map((g) => g.groupId);
      expect(all).toEqual(expect.arrayContaining([connectGroup, 'cgo-simple']));
      const consumerGroups = await admin.listConsumerGroups();
      expect(consumerGroups.map((g) => g.groupId)).toContain('cgo-simple');
      expect(consumerGroups.map((g) => g.groupId)).not.toContain(connectGroup);
      expect(consumerGroups.every((g) => g.protocolType === 'consumer' || g.protocolType === '')).toBe(true);
      expect((await admin.listConsumerGroups({ states: ['Stable'] })).map((g) => g.groupId)).not.toContain('cgo-simple');

      const call = admin.describeConsumerGroups(['cgo-simple', connectGroup, 'cgo-unknown']);
      const [simple, connect, unknown] = await call.settled();
      expect(simple!.ok && simple!.value).toMatchObject({ groupId: 'cgo-simple', state: 'Empty', protocolType: '', members: [] });
      const refused = errorOf(connect);
      expect(refused).toBeInstanceOf(KafkaClientError);
      expect(refused).not.toBeInstanceOf(KafkaApiError);
      expect((refused as KafkaClientError).retriable).toBe(false);
      expect(refused.message).toBe(`GroupId ${connectGroup} is not a consumer group (connect).`);
      expect(unknown!.ok && unknown!.value).toMatchObject({ groupId: 'cgo-unknown', state: 'Dead', members: [] });
      await expect(call).rejects.toBe(refused);

      const [described] = await admin.describeGroups([connectGroup]);
      expect(described).toMatchObject({ groupId: connectGroup, state: 'Stable', protocolType: 'connect', protocol: 'sessioned' });
      expect(described!.members.map((m) => [m.memberAssignment.toString(), m.assignment])).toEqual([['tasks', []]]);
    });

    it('deleteConsumerGroupOffsets: a group with members that is not a consumer group is NON_EMPTY_GROUP for every partition', async () => {
      const call = admin.deleteConsumerGroupOffsets(connectGroup, [tp(0), tp(1)]);
      const settled = await call.settled();
      expect(settled.map((s) => errorOf(s) instanceof NonEmptyGroupError)).toEqual([true, true]);
      await expect(call).rejects.toBeInstanceOf(NonEmptyGroupError);
    });
  });

  it('a group call refused by a retriable error (a broken connection) is retried until the broker answers', async () => {
    // A port whose listener drops every connection, until it counts two attempts: then a broker takes the port.
    let attempts = 0;
    const sockets = new Set<Socket>();
    const dropper: Server = createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    dropper.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    const port = (dropper.address() as { port: number }).port;
    const retrying = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}`, 'reconnect.backoff.max.ms': 50 });
    let late: TestBroker | undefined;
    try {
      const described = retrying.describeConsumerGroups(['cgo-late']);
      const offsets = retrying.listConsumerGroupOffsets('cgo-late');
      while (attempts < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise<void>((resolve) => dropper.close(() => resolve()));
      late = await startBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` });
      const [group] = await described;
      expect(group).toMatchObject({ groupId: 'cgo-late', state: 'Dead', coordinator: { id: 0, port } });
      expect(await offsets).toEqual([]);
      expect(attempts).toBeGreaterThanOrEqual(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      if (dropper.listening) dropper.close();
      await retrying.close();
      await late?.stop();
    }
  }, 60_000);
});
