import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { LOG_CONFIG_KEYS } from '../../storage/config/log-config.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

// The admin APIs driven by real clients: KafkaJS's admin, kafka-python's
// KafkaAdminClient (Debian's python3-kafka), @platformatic/kafka's Admin (the
// newest versions: CreateTopics v7, DescribeConfigs v4, IncrementalAlterConfigs,
// DescribeLogDirs v4) and kcat; the raw protocol only for APIs none of them sends.

const PYTHON = '/usr/bin/python3'; // Debian's: the pyenv `python3` lacks python3-kafka

/** Runs a kafka-python script with `admin` connected; it prints its result as JSON (bytes-free values) on the last line. */
function kafkaPython(bootstrap: string, body: string): Promise<any> {
  const script = [
    'import json, sys',
    'from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType, NewPartitions',
    'from kafka.errors import KafkaError',
    "admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='samsa-admin-test')",
    'def out(value):',
    '    print(json.dumps(value))',
    'def error_of(e):',
    "    return {'errno': getattr(e, 'errno', None), 'name': type(e).__name__, 'text': str(e)}",
    body,
    'admin.close()',
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', script, bootstrap], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kafka-python failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

function kcatMetadata(bootstrap: string): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-L', '-J', '-b', bootstrap, '-m', '10'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat -L failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** The Kafka errors inside a @platformatic/kafka failure (it nests them in AggregateErrors). */
function platformaticErrors(e: unknown): Array<{ apiId: string; apiCode: number; serverErrorMessage: string | undefined }> {
  const found: Array<{ apiId: string; apiCode: number; serverErrorMessage: string | undefined }> = [];
  const visit = (x: any): void => {
    if (!x) return;
    if (typeof x.apiCode === 'number') found.push({ apiId: x.apiId, apiCode: x.apiCode, serverErrorMessage: x.serverErrorMessage });
    for (const inner of x.errors ?? []) visit(inner);
  };
  visit(e);
  return found;
}

async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('admin APIs against a real broker', () => {
  let b: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let plat: PlatformaticAdmin;
  let raw: RawClient;

  beforeAll(async () => {
    // Broker-level topic defaults, so DescribeConfigs has STATIC_BROKER_CONFIG values and synonyms to report.
    b = await startBroker({ 'log.segment.bytes': '1048576', 'log.retention.hours': 48 });
    kafka = new Kafka({ clientId: 'samsa-admin-test', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    admin = kafka.admin();
    await admin.connect();
    plat = new PlatformaticAdmin({ clientId: 'samsa-admin-test', bootstrapBrokers: [b.bootstrap], retries: 0 });
    raw = await RawClient.connect(b.port);
  });

  afterAll(async () => {
    raw?.close();
    await plat?.close();
    await admin?.disconnect();
    await b?.stop();
  });

  async function produce(topic: string, count: number, partition = 0): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, partition })) });
    await producer.disconnect();
  }

  describe('CreateTopics', () => {
    it('creates topics with partitions and configs (KafkaJS), visible in metadata, kcat and the topic logs', async () => {
      const created = await admin.createTopics({
        topics: [
          {
            topic: 'orders',
            numPartitions: 3,
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'cleanup.policy', value: 'compact,delete' },
            ],
          },
          { topic: 'plain' },
        ],
      });
      expect(created).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['orders', 'plain'] });
      const orders = topics.find((t) => t.name === 'orders')!;
      expect(orders.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      for (const p of orders.partitions) expect(p).toMatchObject({ leader: 0, replicas: [0], isr: [0] });
      // -1 partitions and replication factor: the broker's num.partitions (1) and default.replication.factor (1).
      expect(topics.find((t) => t.name === 'plain')!.partitions).toHaveLength(1);
      const kcat = await kcatMetadata(b.bootstrap);
      expect(kcat.topics.find((t: any) => t.topic === 'orders').partitions.map((p: any) => [p.partition, p.leader])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      const log = b.broker.context.replicas.getPartition('orders', 2)!.log;
      expect(log.config.retentionMs).toBe(3_600_000);
      expect(log.config.compact && log.config.delete).toBe(true);
      expect(log.config.segmentBytes).toBe(1_048_576); // the broker's log.segment.bytes
      expect(existsSync(join(b.dir, 'orders-2'))).toBe(true);
    });

    it('validateOnly checks without creating', async () => {
      // waitForLeaders off: KafkaJS would otherwise wait for the leaders of a topic that validateOnly did not create.
      expect(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry-run', numPartitions: 4 }] })).toBe(true);
      expect(await admin.listTopics()).not.toContain('dry-run');
      expect(existsSync(join(b.dir, 'dry-run-0'))).toBe(false);
      const e = await rejectionOf(
        admin.createTopics({
          validateOnly: true,
          waitForLeaders: false,
          topics: [{ topic: 'dry-run', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
        }),
      );
      expect(e.errors.map((x: any) => x.type)).toEqual(['INVALID_CONFIG']);
    });

    it('refuses an existing topic, a bad name, a bad config, a replication factor above the live brokers and bad partition counts (kafka-python shows the messages)', async () => {
      await admin.createTopics({ topics: [{ topic: 'taken' }] });
      expect(await admin.createTopics({ topics: [{ topic: 'taken' }] })).toBe(false); // KafkaJS's answer to TOPIC_ALREADY_EXISTS
      // kafka-python raises on a topic error, with the broker's response (and its message) in the text.
      const viaErrors = await kafkaPython(
        b.bootstrap,
        `
cases = {
  'exists': NewTopic('taken', 1, 1),
  'name': NewTopic('bad/name', 1, 1),
  'config': NewTopic('bad-config', 1, 1, topic_configs={'retention.ms': 'forever'}),
  'unknown-config': NewTopic('bad-config', 1, 1, topic_configs={'no.such.config': '1'}),
  'range': NewTopic('bad-config', 1, 1, topic_configs={'min.cleanable.dirty.ratio': '2'}),
  'rf': NewTopic('too-many-replicas', 1, 3),
  'partitions': NewTopic('no-partitions', 0, 1),
  'assignment': NewTopic('bad-assignment', -1, -1, replica_assignments={0: [7]}),
}
res = {}
for key, topic in cases.items():
    try:
        admin.create_topics([topic])
        res[key] = None
    except KafkaError as e:
        res[key] = error_of(e)
out(res)`,
      );
      const errno = (k: string) => viaErrors[k]?.errno;
      const text = (k: string) => viaErrors[k]?.text;
      expect(errno('exists')).toBe(36);
      expect(text('exists')).toContain("Topic 'taken' already exists.");
      expect(errno('name')).toBe(17);
      expect(text('name')).toContain('illegal');
      expect(errno('config')).toBe(40);
      expect(text('config')).toContain("retention.ms: expected an integer, got 'forever'");
      expect(errno('unknown-config')).toBe(40);
      expect(text('unknown-config')).toContain('no.such.config');
      expect(errno('range')).toBe(40);
      expect(text('range')).toContain('min.cleanable.dirty.ratio: 2 is above the maximum 1');
      expect(errno('rf')).toBe(38);
      expect(text('rf')).toContain('Replication factor: 3 larger than available brokers: 1.');
      expect(errno('partitions')).toBe(37);
      expect(errno('assignment')).toBe(39);
      expect(text('assignment')).toContain('Unknown broker id 7');
      const names = await admin.listTopics();
      for (const n of ['bad/name', 'bad-config', 'too-many-replicas', 'no-partitions', 'bad-assignment']) expect(names).not.toContain(n);
    });

    it('answers v7 with the topic id, partition count, replication factor and every config (@platformatic/kafka)', async () => {
      const [created] = await plat.createTopics({
        topics: ['v7-topic'],
        partitions: 2,
        replicas: 1,
        configs: [{ name: 'max.message.bytes', value: '2000000' }],
      });
      const stored = b.broker.context.topics.get('v7-topic')!;
      expect(created!.id.replaceAll('-', '')).toBe(stored.id.toString('hex'));
      expect(created).toMatchObject({ name: 'v7-topic', partitions: 2, replicas: 1 });
      expect(Object.keys(created!.configuration)).toEqual(LOG_CONFIG_KEYS.map((k) => k.name));
      expect(created!.configuration).toMatchObject({
        'max.message.bytes': '2000000',
        'segment.bytes': '1048576',
        'retention.ms': String(48 * 3_600_000),
        'flush.ms': '9223372036854775807',
        'min.cleanable.dirty.ratio': '0.5',
        'cleanup.policy': 'delete',
      });
      const e = await rejectionOf(plat.createTopics({ topics: ['v7-topic'], partitions: 1, replicas: 1 }));
      expect(platformaticErrors(e).map((x) => x.apiId)).toEqual(['TOPIC_ALREADY_EXISTS']);

      // What no client here sends: validateOnly at v7 (resolved values, no id), duplicates in one request, null config values.
      const topic = (name: string, configs: any[] = []) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs });
      const res = await raw.request('CreateTopics', 7, {
        topics: [
          topic('v7-dry', [{ name: 'retention.ms', value: '1000' }]),
          topic('twice'),
          topic('twice'),
          topic('null-config', [{ name: 'retention.ms', value: null }]),
        ],
        timeoutMs: 5000,
        validateOnly: true,
      });
      const [dry, twice1, twice2, nullConfig] = res.topics;
      expect(dry).toMatchObject({ name: 'v7-dry', errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1 });
      expect(dry.topicId.equals(Buffer.alloc(16))).toBe(true);
      expect(dry.configs.find((c: any) => c.name === 'retention.ms')).toEqual({
        name: 'retention.ms',
        value: '1000',
        readOnly: false,
        configSource: 1,
        isSensitive: false,
      });
      expect(dry.configs.find((c: any) => c.name === 'segment.bytes')).toEqual({
        name: 'segment.bytes',
        value: '1048576',
        readOnly: false,
        configSource: 4,
        isSensitive: false,
      });
      expect([twice1.errorCode, twice2.errorCode]).toEqual([42, 42]);
      expect(twice1.errorMessage).toContain('contains multiple entries for the following topics: twice');
      expect(nullConfig).toMatchObject({
        errorCode: 40,
        errorMessage: 'Null value not supported for topic configs: retention.ms',
        numPartitions: -1,
        configs: null,
      });
      expect(b.broker.context.topics.get('v7-dry')).toBeUndefined();
    });
  });

  describe('CreatePartitions', () => {
    it('grows a topic (KafkaJS), refuses shrinking and unknown topics', async () => {
      await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] });
      const { topics } = await admin.fetchTopicMetadata({ topics: ['growing'] });
      expect(topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(existsSync(join(b.dir, 'growing-4'))).toBe(true);
      await produce('growing', 3, 4); // the new partitions take writes
      expect(b.broker.context.replicas.getPartition('growing', 4)!.logEndOffset).toBe(3);

      const shrink = await rejectionOf(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] }));
      expect(shrink.type).toBe('INVALID_PARTITIONS');
      const same = await rejectionOf(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] }));
      expect(same.type).toBe('INVALID_PARTITIONS');
      const unknown = await rejectionOf(admin.createPartitions({ topicPartitions: [{ topic: 'nowhere', count: 2 }] }));
      expect(unknown.type).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      expect(b.broker.context.topics.get('growing')!.replicas).toHaveLength(5);

      const messages = await kafkaPython(
        b.bootstrap,
        `
res = {}
for key, count in (('shrink', 3), ('same', 5)):
    try:
        admin.create_partitions({'growing': NewPartitions(count)})
    except KafkaError as e:
        res[key] = error_of(e)
admin.create_partitions({'growing': NewPartitions(8)}, validate_only=True)
out(res)`,
      );
      expect(messages.shrink.errno).toBe(37);
      expect(messages.shrink.text).toContain('Topic currently has 5 partitions, which is higher than the requested 3.');
      expect(messages.same.text).toContain('Topic already has 5 partitions.');
      expect(b.broker.context.topics.get('growing')!.replicas).toHaveLength(5); // validate_only left it alone
    });
  });

  describe('DescribeConfigs', () => {
    it('reports every topic config with Kafka values, sources and synonyms (KafkaJS)', async () => {
      await admin.createTopics({
        topics: [
          {
            topic: 'described',
            configEntries: [
              { name: 'retention.ms', value: '7200000' },
              { name: 'min.cleanable.dirty.ratio', value: '1' },
            ],
          },
        ],
      });
      const { resources } = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: 2, name: 'described' }] });
      expect(resources[0]).toMatchObject({ errorCode: 0, resourceType: 2, resourceName: 'described' });
      const entries = new Map(resources[0]!.configEntries.map((e: any) => [e.configName, e]));
      expect([...entries.keys()]).toEqual(LOG_CONFIG_KEYS.map((k) => k.name));
      expect(entries.get('retention.ms')).toMatchObject({
        configValue: '7200000',
        configSource: 1,
        readOnly: false,
        isSensitive: false,
        configSynonyms: [
          { configName: 'retention.ms', configValue: '7200000', configSource: 1 },
          { configName: 'log.retention.hours', configValue: '48', configSource: 4 },
          { configName: 'log.retention.hours', configValue: '168', configSource: 5 },
        ],
      });
      expect(entries.get('segment.bytes')).toMatchObject({
        configValue: '1048576',
        configSource: 4,
        configSynonyms: [
          { configName: 'log.segment.bytes', configValue: '1048576', configSource: 4 },
          { configName: 'log.segment.bytes', configValue: '1073741824', configSource: 5 },
        ],
      });
      expect(entries.get('flush.ms')).toMatchObject({
        configValue: '9223372036854775807',
        configSource: 5,
        configSynonyms: [{ configName: 'log.flush.interval.ms', configValue: '9223372036854775807', configSource: 5 }],
      });
      expect(entries.get('min.cleanable.dirty.ratio')).toMatchObject({ configValue: '1.0', configSource: 1 }); // Java's Double.toString
      expect(entries.get('cleanup.policy')).toMatchObject({ configValue: 'delete', configSource: 5 });
      expect(entries.get('max.message.bytes')).toMatchObject({
        configValue: '1048588',
        configSynonyms: [{ configName: 'message.max.bytes', configValue: '1048588', configSource: 5 }],
      });
      expect(entries.get('storage.backend')).toMatchObject({ configValue: 'file', configSource: 5 });
    });

    it('filters by key (KafkaJS); unknown topics, bad names and other resource types get errors with messages (kafka-python, raw)', async () => {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'described', configNames: ['retention.ms', 'cleanup.policy', 'no.such.config'] }],
      });
      expect(resources[0]!.configEntries.map((e: any) => [e.configName, e.configValue, e.configSynonyms])).toEqual([
        ['retention.ms', '7200000', []],
        ['cleanup.policy', 'delete', []],
      ]);
      // KafkaJS raises on a resource error; kafka-python hands back the response.
      const errors = await kafkaPython(
        b.bootstrap,
        `
rs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'no-such-topic'), ConfigResource(ConfigResourceType.TOPIC, 'bad name')])
out([[r[0], r[1], r[3], len(r[4])] for resp in rs for r in resp.resources])`,
      );
      expect(errors).toEqual([
        [3, "The topic 'no-such-topic' does not exist.", 'no-such-topic', 0],
        [17, "Topic name \"bad name\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", 'bad name', 0],
      ]);
      const other = await raw.request('DescribeConfigs', 4, {
        resources: [{ resourceType: 16, resourceName: 'x', configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      expect(other.results[0]).toMatchObject({ errorCode: 42, resourceType: 16, configs: [] });
      expect(other.results[0].errorMessage).toContain('Unsupported resource type 16');
    });

    it('reports the broker resource, read-only but for the keys Kafka reconfigures, with what server.properties set as STATIC_BROKER_CONFIG (kafka-python)', async () => {
      const result = await kafkaPython(
        b.bootstrap,
        `
r = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, '0')], include_synonyms=True)[0].resources[0]
out({'error': r[0], 'message': r[1], 'configs': {e[0]: [e[1], e[2], e[3], [list(s) for s in e[5]]] for e in r[4]}})`,
      );
      const byId = result;
      expect(byId.error).toBe(0);
      expect(byId.configs['log.segment.bytes']).toEqual([
        '1048576',
        false,
        4,
        [
          ['log.segment.bytes', '1048576', 4],
          ['log.segment.bytes', '1073741824', 5],
        ],
      ]);
      expect(byId.configs['log.retention.hours']).toEqual([
        '48',
        false,
        4,
        [
          ['log.retention.hours', '48', 4],
          ['log.retention.hours', '168', 5],
        ],
      ]);
      expect(byId.configs['broker.id']).toEqual([
        '0',
        true,
        4,
        [
          ['broker.id', '0', 4],
          ['broker.id', '-1', 5],
        ],
      ]); // Kafka's default, -1: generate one
      expect(byId.configs['num.partitions']).toEqual(['1', true, 5, [['num.partitions', '1', 5]]]);
      expect(byId.configs['log.flush.scheduler.interval.ms'][0]).toBe('9223372036854775807');
      expect(byId.configs['log.dirs'][0]).toBe(b.dir);
      // The cluster-wide default resource ("", which kafka-python cannot name) holds dynamic defaults only, and there are none.
      const defaults = await raw.request('DescribeConfigs', 4, {
        resources: [{ resourceType: 4, resourceName: '', configurationKeys: null }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      expect(defaults.results[0]).toMatchObject({ errorCode: 0, errorMessage: null, resourceName: '', configs: [] });
      // Another broker's id (kafka-python would send it to that broker, which does not exist).
      const other = await raw.request('DescribeConfigs', 4, {
        resources: [{ resourceType: 4, resourceName: '9', configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      expect(other.results[0]).toMatchObject({ errorCode: 42, errorMessage: 'Unexpected broker id, expected 0 or empty string, but received 9', configs: [] });
    });

    it('gives config types and documentation from v3 (@platformatic/kafka, v4)', async () => {
      const [result] = await plat.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: 'described',
            configurationKeys: ['cleanup.policy', 'retention.ms', 'min.cleanable.dirty.ratio', 'preallocate', 'segment.bytes', 'compression.type'],
          },
        ],
        includeSynonyms: false,
        includeDocumentation: true,
      });
      expect(result!.configs.map((c) => [c.name, c.configType])).toEqual([
        ['segment.bytes', 3],
        ['retention.ms', 5],
        ['cleanup.policy', 7],
        ['min.cleanable.dirty.ratio', 6],
        ['compression.type', 2],
        ['preallocate', 1],
      ]);
      expect(result!.configs.find((c) => c.name === 'cleanup.policy')!.documentation).toBe(LOG_CONFIG_KEYS.find((k) => k.name === 'cleanup.policy')!.doc);
    });
  });

  describe('AlterConfigs and IncrementalAlterConfigs', () => {
    it("replaces a topic's overrides and applies them to its logs (KafkaJS, kafka-python)", async () => {
      await admin.createTopics({ topics: [{ topic: 'altered', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: 2,
            name: 'altered',
            configEntries: [
              { name: 'segment.bytes', value: '200000' },
              { name: 'message.timestamp.type', value: 'LogAppendTime' },
            ],
          },
        ],
      });
      const log = b.broker.context.replicas.getPartition('altered', 1)!.log;
      expect(log.config.segmentBytes).toBe(200_000);
      expect(log.config.logAppendTime).toBe(true);
      expect(log.config.retentionMs).toBe(48 * 3_600_000); // the override left out is gone: back to the broker's
      expect(b.broker.context.topics.get('altered')!.configs).toEqual({ 'segment.bytes': '200000', 'message.timestamp.type': 'LogAppendTime' });

      const seen = await kafkaPython(
        b.bootstrap,
        `
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'altered', configs={'segment.bytes': '300000', 'flush.messages': '9223372036854775807'})])
r = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'altered')])[0].resources[0]
out({e[0]: [e[1], e[3]] for e in r[4]})`,
      );
      expect(seen['segment.bytes']).toEqual(['300000', 1]);
      expect(seen['flush.messages']).toEqual(['9223372036854775807', 1]);
      expect(seen['message.timestamp.type']).toEqual(['CreateTime', 5]);
      expect(log.config.segmentBytes).toBe(300_000);
    });

    it('validateOnly changes nothing; bad values, unknown topics and read-only broker keys are refused', async () => {
      await admin.alterConfigs({ validateOnly: true, resources: [{ type: 2, name: 'altered', configEntries: [{ name: 'segment.bytes', value: '999999' }] }] });
      expect(b.broker.context.replicas.getPartition('altered', 0)!.log.config.segmentBytes).toBe(300_000);
      const bad = await rejectionOf(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'altered', configEntries: [{ name: 'segment.bytes', value: '-5' }] }] }),
      );
      expect(bad.type).toBe('INVALID_CONFIG');
      const unknown = await rejectionOf(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'nowhere', configEntries: [{ name: 'segment.bytes', value: '100000' }] }] }),
      );
      expect(unknown.type).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      const brokerLevel = await rejectionOf(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: 4, name: '0', configEntries: [{ name: 'broker.id', value: '7' }] }] }),
      );
      expect(brokerLevel.type).toBe('INVALID_REQUEST');
      expect(b.broker.context.topics.get('altered')!.configs['segment.bytes']).toBe('300000');
      const messages = await kafkaPython(
        b.bootstrap,
        `
res = {}
for key, res_ in (('bad', ConfigResource(ConfigResourceType.TOPIC, 'altered', configs={'segment.bytes': '-5'})),
                  ('broker', ConfigResource(ConfigResourceType.BROKER, '0', configs={'log.dirs': '/tmp/elsewhere'}))):
    r = admin.alter_configs([res_]).resources[0]
    res[key] = [r[0], r[1]]
out(res)`,
      );
      expect(messages.bad).toEqual([40, 'segment.bytes: -5 is below the minimum 14']);
      expect(messages.broker[0]).toBe(42);
      expect(messages.broker[1]).toBe(
        "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Cannot update these configs dynamically: Set(log.dirs)",
      );
    });

    it('SET, DELETE, APPEND and SUBTRACT on the current overrides (@platformatic/kafka)', async () => {
      const op = IncrementalAlterConfigOperationTypes;
      const alter = (configs: any[], validateOnly = false) =>
        plat.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'altered', configs }], validateOnly });
      await alter([
        { name: 'retention.bytes', configOperation: op.SET, value: '5000000' },
        { name: 'message.timestamp.type', configOperation: op.DELETE },
        { name: 'cleanup.policy', configOperation: op.APPEND, value: 'compact' },
      ]);
      // segment.bytes and flush.messages were kept: incremental changes only what it names.
      expect(b.broker.context.topics.get('altered')!.configs).toEqual({
        'segment.bytes': '300000',
        'flush.messages': '9223372036854775807',
        'retention.bytes': '5000000',
        'cleanup.policy': 'delete,compact',
      });
      const log = b.broker.context.replicas.getPartition('altered', 0)!.log;
      expect(log.config.retentionBytes).toBe(5_000_000);
      expect(log.config.compact && log.config.delete).toBe(true);
      await alter([{ name: 'cleanup.policy', configOperation: op.SUBTRACT, value: 'delete' }]);
      expect(b.broker.context.topics.get('altered')!.configs['cleanup.policy']).toBe('compact');
      expect(log.config.delete).toBe(false);
      await alter([{ name: 'cleanup.policy', configOperation: op.APPEND, value: 'delete' }], true);
      expect(b.broker.context.topics.get('altered')!.configs['cleanup.policy']).toBe('compact');

      const notList = await rejectionOf(alter([{ name: 'retention.ms', configOperation: op.APPEND, value: '5' }]));
      expect(platformaticErrors(notList)).toEqual([
        { apiId: 'INVALID_CONFIG', apiCode: 40, serverErrorMessage: 'Config value append is not allowed for config key: retention.ms' },
      ]);
      const badValue = await rejectionOf(alter([{ name: 'cleanup.policy', configOperation: op.APPEND, value: 'shred' }]));
      expect(platformaticErrors(badValue)[0]).toMatchObject({
        apiId: 'INVALID_CONFIG',
        serverErrorMessage: "cleanup.policy: 'shred' is not one of delete, compact",
      });
      expect(b.broker.context.topics.get('altered')!.configs['cleanup.policy']).toBe('compact');
    });
  });

  describe('DeleteRecords', () => {
    it('moves the low watermark (KafkaJS), -1 meaning the high watermark; past it is OFFSET_OUT_OF_RANGE', async () => {
      await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 2 }] });
      await produce('trimmed', 10, 0);
      await admin.fetchTopicMetadata({ topics: ['trimmed'] }); // KafkaJS finds leaders in its cached metadata only
      await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
      let offsets = await admin.fetchTopicOffsets('trimmed');
      expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '4', high: '10' });
      await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '-1' }] });
      offsets = await admin.fetchTopicOffsets('trimmed');
      expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '10', high: '10' });
      expect(b.broker.context.replicas.getPartition('trimmed', 0)!.logStartOffset).toBe(10);
      const past = await rejectionOf(admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 1, offset: '5' }] }));
      expect((past.cause ?? past).partitions.map((p: any) => [p.partition, p.error.type])).toEqual([[1, 'OFFSET_OUT_OF_RANGE']]);
    });

    it('answers with the new low watermark per partition, and unknown partitions (@platformatic/kafka, v2)', async () => {
      await produce('trimmed', 6, 1);
      const [result] = await plat.deleteRecords({ topics: [{ name: 'trimmed', partitions: [{ partition: 1, offset: 2n }] }] });
      expect(result).toEqual({ name: 'trimmed', partitions: [{ partition: 1, lowWatermark: 2n }] });
      // Clients check partitions against metadata first; the broker's own answers, through the raw protocol:
      const res = await raw.request('DeleteRecords', 2, {
        topics: [
          {
            name: 'trimmed',
            partitions: [
              { partitionIndex: 7, offset: 1 },
              { partitionIndex: 1, offset: 1 },
              { partitionIndex: 1, offset: -5 },
            ],
          },
          { name: 'nowhere', partitions: [{ partitionIndex: 0, offset: 1 }] },
        ],
        timeoutMs: 5000,
      });
      expect(res.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode, p.lowWatermark])])).toEqual([
        [
          'trimmed',
          [
            [7, 3, -1],
            [1, 0, 2],
            [1, 1, -1],
          ],
        ], // an offset below the start leaves the start as it is
        ['nowhere', [[0, 3, -1]]],
      ]);
    });
  });

  describe('DeleteTopics', () => {
    it('deletes topics (KafkaJS): gone from metadata and kcat, directories removed, a second delete is UNKNOWN_TOPIC_OR_PARTITION', async () => {
      await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] });
      await produce('doomed', 5, 1);
      expect(existsSync(join(b.dir, 'doomed-1'))).toBe(true);
      await admin.deleteTopics({ topics: ['doomed'] });
      expect(await admin.listTopics()).not.toContain('doomed');
      expect(existsSync(join(b.dir, 'doomed-0'))).toBe(false);
      expect(existsSync(join(b.dir, 'doomed-1'))).toBe(false);
      const kcat = await kcatMetadata(b.bootstrap);
      expect(kcat.topics.map((t: any) => t.topic)).not.toContain('doomed');
      const again = await rejectionOf(admin.deleteTopics({ topics: ['doomed'] }));
      expect((again.cause ?? again).type).toBe('UNKNOWN_TOPIC_OR_PARTITION'); // KafkaJS retries it, then gives up
      // Re-created, the topic starts empty rather than finding the old data.
      await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] });
      expect(b.broker.context.replicas.getPartition('doomed', 1)!.logEndOffset).toBe(0);
    });

    it('deletes by name (@platformatic/kafka, v6) and by topic id (v6), UNKNOWN_TOPIC_ID for an id it does not know', async () => {
      await plat.createTopics({ topics: ['by-name', 'by-id'], partitions: 1, replicas: 1 });
      await plat.deleteTopics({ topics: ['by-name'] });
      expect(b.broker.context.topics.get('by-name')).toBeUndefined();
      const id = b.broker.context.topics.get('by-id')!.id;
      const res = await raw.request('DeleteTopics', 6, {
        topics: [
          { name: null, topicId: id },
          { name: null, topicId: Buffer.alloc(16, 7) },
          { name: 'by-id', topicId: id },
        ],
        timeoutMs: 5000,
      });
      expect(res.responses.map((r: any) => [r.name, r.errorCode])).toEqual([
        ['by-id', 0],
        [null, 100],
        ['by-id', 42],
      ]);
      expect(res.responses[0].topicId.equals(id)).toBe(true);
      expect(b.broker.context.topics.get('by-id')).toBeUndefined();
      expect(existsSync(join(b.dir, 'by-id-0'))).toBe(false);
    });
  });

  describe('DescribeCluster, InitProducerId, DescribeLogDirs, OffsetForLeaderEpoch, DescribeTopicPartitions', () => {
    it('DescribeCluster lists the live brokers, the cluster id and the controller', async () => {
      const res = await raw.request('DescribeCluster', 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      expect(res).toMatchObject({
        errorCode: 0,
        errorMessage: null,
        endpointType: 1,
        clusterId: b.broker.context.clusterId,
        controllerId: 0,
        clusterAuthorizedOperations: -2147483648,
      });
      expect(res.brokers).toEqual([{ brokerId: 0, host: '127.0.0.1', port: b.port, rack: null }]);
      expect(b.broker.context.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const v0 = await raw.request('DescribeCluster', 0, { includeClusterAuthorizedOperations: true });
      expect(v0.clusterAuthorizedOperations).toBe((1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12));
      const controllers = await raw.request('DescribeCluster', 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
      expect(controllers.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
      // KafkaJS's describeCluster (Metadata) agrees.
      expect(await admin.describeCluster()).toMatchObject({
        clusterId: b.broker.context.clusterId,
        controller: 0,
        brokers: [{ nodeId: 0, host: '127.0.0.1', port: b.port }],
      });
    });

    it('InitProducerId gives idempotent producers fresh ids at epoch 0 (KafkaJS), and a transactional id one from the transaction coordinator', async () => {
      const first = await raw.request('InitProducerId', 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
      const second = await raw.request('InitProducerId', 0, { transactionalId: null, transactionTimeoutMs: 60000 });
      expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
      expect(second.producerId).toBe(first.producerId + 1);
      const txn = await raw.request('InitProducerId', 4, { transactionalId: 'txn-1', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
      expect(txn).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
      expect(txn.producerId).toBeGreaterThan(second.producerId);

      await admin.createTopics({ topics: [{ topic: 'idempotent' }] });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic: 'idempotent', acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
      await producer.send({ topic: 'idempotent', acks: -1, messages: [{ value: 'c' }] });
      await producer.disconnect();
      const { bytes } = await b.broker.context.replicas.getPartition('idempotent', 0)!.log.read(0, 1 << 20);
      const batches = validateBatches(bytes);
      expect(batches.map((x) => [x.producerEpoch, x.baseSequence, x.recordCount])).toEqual([
        [0, 0, 2],
        [0, 2, 1],
      ]);
      expect(batches[0]!.producerId).toBeGreaterThan(second.producerId);
      expect(batches[1]!.producerId).toBe(batches[0]!.producerId);
    });

    it('DescribeLogDirs lists the log dir with partition sizes and disk space (@platformatic/kafka, v4)', async () => {
      await admin.createTopics({ topics: [{ topic: 'sized', numPartitions: 2 }] });
      await produce('sized', 20, 1);
      const [described] = await plat.describeLogDirs({ topics: [{ name: 'sized', partitions: [0, 1] }] });
      expect(described!.broker).toBe(0);
      expect(described!.results).toHaveLength(1);
      const dir = described!.results[0]!;
      expect(dir.logDir).toBe(b.dir);
      expect(dir.topics).toEqual([
        {
          name: 'sized',
          partitions: [
            { partitionIndex: 0, partitionSize: 0n, offsetLag: 0n, isFutureKey: false },
            {
              partitionIndex: 1,
              partitionSize: BigInt(b.broker.context.replicas.getPartition('sized', 1)!.log.sizeInBytes),
              offsetLag: 0n,
              isFutureKey: false,
            },
          ],
        },
      ]);
      expect(dir.topics[0]!.partitions[1]!.partitionSize).toBeGreaterThan(20n * 10n);
      expect(dir.totalBytes).toBeGreaterThan(0n);
      expect(dir.usableBytes).toBeGreaterThan(0n);
      expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
      // A null topic list means every partition; v1 has no disk figures.
      const all = await raw.request('DescribeLogDirs', 1, { topics: null });
      const names = all.results[0].topics.map((t: any) => t.name);
      expect(names).toEqual(expect.arrayContaining(['sized', 'orders', 'growing']));
      expect(all.results[0].topics.find((t: any) => t.name === 'orders').partitions).toHaveLength(3);
    });

    it('OffsetForLeaderEpoch answers the end offset of an epoch and checks the current leader epoch', async () => {
      await admin.createTopics({ topics: [{ topic: 'epochs', numPartitions: 2 }] });
      await produce('epochs', 7, 0);
      const ask = (partitions: any[], topic = 'epochs') => raw.request('OffsetForLeaderEpoch', 4, { replicaId: -1, topics: [{ topic, partitions }] });
      const res = await ask([
        { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }, // the current epoch ends at the log end
        { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 }, // nothing appended yet: still the log end, 0
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 }, // an epoch newer than any: undefined
        { partition: 0, currentLeaderEpoch: 2, leaderEpoch: 0 }, // the client thinks the leader is newer
        { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
      ]);
      expect(res.topics[0].partitions.map((p: any) => [p.partition, p.errorCode, p.leaderEpoch, p.endOffset])).toEqual([
        [0, 0, 0, 7],
        [1, 0, 0, 0],
        [0, 0, -1, -1],
        [0, 75, -1, -1], // UNKNOWN_LEADER_EPOCH
        [9, 3, -1, -1],
      ]);
      const unknown = await ask([{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'no-such-topic');
      expect(unknown.topics[0].partitions[0].errorCode).toBe(3);
      const v0 = await raw.request('OffsetForLeaderEpoch', 0, { topics: [{ topic: 'epochs', partitions: [{ partition: 0, leaderEpoch: 0 }] }] });
      expect(v0.topics[0].partitions[0]).toMatchObject({ errorCode: 0, endOffset: 7 });
    });

    it('DescribeTopicPartitions pages through partitions with a cursor', async () => {
      await admin.createTopics({
        topics: [
          { topic: 'paged-a', numPartitions: 3 },
          { topic: 'paged-b', numPartitions: 4 },
        ],
      });
      const page = (cursor: any, limit: number) =>
        raw.request('DescribeTopicPartitions', 0, {
          topics: [{ name: 'paged-b' }, { name: 'paged-a' }, { name: 'paged-missing' }],
          responsePartitionLimit: limit,
          cursor,
        });
      const summary = (res: any) => res.topics.map((t: any) => [t.name, t.errorCode, t.partitions.map((p: any) => p.partitionIndex)]);

      const first = await page(null, 5);
      expect(summary(first)).toEqual([
        ['paged-a', 0, [0, 1, 2]],
        ['paged-b', 0, [0, 1]],
      ]);
      expect(first.nextCursor).toEqual({ topicName: 'paged-b', partitionIndex: 2 });
      const a = first.topics[0];
      expect(a.topicId.equals(b.broker.context.topics.get('paged-a')!.id)).toBe(true);
      expect(a.partitions[1]).toEqual({
        errorCode: 0,
        partitionIndex: 1,
        leaderId: 0,
        leaderEpoch: 0,
        replicaNodes: [0],
        isrNodes: [0],
        eligibleLeaderReplicas: [],
        lastKnownElr: [],
        offlineReplicas: [],
      });

      const second = await page(first.nextCursor, 5);
      expect(summary(second)).toEqual([
        ['paged-b', 0, [2, 3]],
        ['paged-missing', 3, []],
      ]);
      expect(second.nextCursor).toBeNull();

      // Filling the limit exactly at a topic's end points the cursor at the next topic.
      const exact = await page(null, 3);
      expect(summary(exact)).toEqual([['paged-a', 0, [0, 1, 2]]]);
      expect(exact.nextCursor).toEqual({ topicName: 'paged-b', partitionIndex: 0 });

      // No names: every topic, sorted.
      const all = await raw.request('DescribeTopicPartitions', 0, { topics: [], responsePartitionLimit: 2000, cursor: null });
      const names = all.topics.map((t: any) => t.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['paged-a', 'paged-b', 'orders']));
    });
  });
});

describe('topic admin across restarts and broker settings', () => {
  it('keeps topics, partition counts and config overrides across a restart on the same log dir', async () => {
    let b = await startBroker();
    try {
      let kafka = new Kafka({ clientId: 'restart', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
      let admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'durable', count: 3 }] });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: 2,
            name: 'durable',
            configEntries: [
              { name: 'retention.ms', value: '172800000' },
              { name: 'cleanup.policy', value: 'compact,delete' },
            ],
          },
        ],
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'durable', messages: [{ key: 'k', value: 'v', partition: 2 }] });
      await producer.disconnect();
      await admin.fetchTopicMetadata({ topics: ['durable'] });
      await admin.deleteTopicRecords({ topic: 'durable', partitions: [{ partition: 2, offset: '1' }] });
      const before = b.broker.context.topics.get('durable')!.id;
      await admin.disconnect();

      b = await b.restart();
      kafka = new Kafka({ clientId: 'restart', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
      admin = kafka.admin();
      await admin.connect();
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'durable', configNames: ['retention.ms', 'cleanup.policy', 'segment.bytes'] }],
      });
      expect(resources[0]!.configEntries.map((e: any) => [e.configName, e.configValue, e.configSource])).toEqual([
        ['segment.bytes', '1073741824', 5],
        ['retention.ms', '172800000', 1],
        ['cleanup.policy', 'compact,delete', 1],
      ]);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['durable'] });
      expect(topics[0]!.partitions).toHaveLength(3);
      expect(b.broker.context.topics.get('durable')!.id.equals(before)).toBe(true);
      expect(b.broker.context.replicas.getPartition('durable', 2)!.log.config.compact).toBe(true);
      const offsets = await admin.fetchTopicOffsets('durable');
      expect(offsets.find((o) => o.partition === 2)).toMatchObject({ low: '1', high: '1' });
      await admin.disconnect();
    } finally {
      await b.stop();
    }
  });

  it('refuses deletion when delete.topic.enable=false', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-admin-'));
    const b = await startBroker({ 'delete.topic.enable': false }, dir);
    try {
      const admin = new Kafka({ clientId: 'no-delete', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'kept' }] });
      // KafkaJS sends DeleteTopics v1, which predates TOPIC_DELETION_DISABLED: Kafka answers INVALID_REQUEST there.
      const e = await rejectionOf(admin.deleteTopics({ topics: ['kept'] }));
      expect(e.type).toBe('INVALID_REQUEST');
      const python = await kafkaPython(
        b.bootstrap,
        `
try:
    admin.delete_topics(['kept'])
    out(None)
except KafkaError as e:
    out(error_of(e))`,
      );
      expect(python.text).toContain('error_code=73'); // kafka-python's v3 (it has no class for TOPIC_DELETION_DISABLED)
      const plat = new PlatformaticAdmin({ clientId: 'no-delete', bootstrapBrokers: [b.bootstrap], retries: 0 });
      try {
        const v6 = await rejectionOf(plat.deleteTopics({ topics: ['kept'] }));
        expect(platformaticErrors(v6)).toEqual([{ apiId: 'TOPIC_DELETION_DISABLED', apiCode: 73, serverErrorMessage: 'Topic deletion is disabled.' }]);
      } finally {
        await plat.close();
      }
      expect(await admin.listTopics()).toContain('kept');
      expect(existsSync(join(dir, 'kept-0'))).toBe(true);
      await admin.disconnect();
    } finally {
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
