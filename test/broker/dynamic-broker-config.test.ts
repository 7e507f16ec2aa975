import { execFile } from 'node:child_process';
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { InvalidRequestError } from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { expectRejected } from '../errors.js';
import { waitFor } from '../wait-for.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';
import { certificateFingerprint, makeCertificates, servedCertificate, type TestCertificates } from './security/certificates.js';

// Dynamic broker configs (Kafka's DynamicBrokerConfig) on a single broker:
// AlterConfigs / IncrementalAlterConfigs on the broker resource and on the
// cluster-wide default (""), applied to open logs at once, persisted beside
// the topic store, described with their sources.

let b: TestBroker | undefined;
let admin: Admin | undefined;
afterEach(async () => {
  await admin?.close();
  await b?.stop();
  admin = undefined;
  b = undefined;
});

// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka (1.7, whose AdminClient has the legacy alter_configs only).
const PYTHON = '/usr/bin/python3';

/** Runs a Python script; it prints its result as JSON on the last line. */
function python(script: string): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', script], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('dynamic broker configs', () => {
  it('a new default reaches open logs without an override, not those with one, and survives a restart', async () => {
    b = await startBroker({ 'log.segment.bytes': '1048576' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([{ name: 'plain' }, { name: 'own', configs: { 'segment.bytes': '500000' } }]);
    const segmentBytes = (topic: string) => b!.broker.context.replicas.getPartition(topic, 0)!.log.config.segmentBytes;

    await admin.incrementalAlterConfigs([{ resource: { type: 'broker', name: '0' }, ops: [{ name: 'log.segment.bytes', op: 'set', value: '2000000' }] }]);
    expect(segmentBytes('plain')).toBe(2_000_000);
    expect(segmentBytes('own')).toBe(500_000);

    // The cluster-wide default sits under this broker's own setting.
    await admin.alterConfigs([{ resource: { type: 'broker', name: '' }, entries: { 'log.segment.bytes': '3000000', 'log.retention.ms': '7200000' } }]);
    expect(segmentBytes('plain')).toBe(2_000_000);
    expect(b.broker.context.replicas.getPartition('plain', 0)!.log.config.retentionMs).toBe(7_200_000);

    const [described] = await admin.describeConfigs([{ type: 'broker', name: '0' }], { includeSynonyms: true, configNames: ['log.segment.bytes'] });
    expect(described!.entries[0]).toMatchObject({
      name: 'log.segment.bytes',
      value: '2000000',
      source: 'DYNAMIC_BROKER_CONFIG',
      isReadOnly: false,
      synonyms: [
        { name: 'log.segment.bytes', value: '2000000', source: 'DYNAMIC_BROKER_CONFIG' },
        { name: 'log.segment.bytes', value: '3000000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
        { name: 'log.segment.bytes', value: '1048576', source: 'STATIC_BROKER_CONFIG' },
        { name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
      ],
    });
    const [defaults] = await admin.describeConfigs([{ type: 'broker', name: '' }]);
    expect(defaults!.entries.map((e) => [e.name, e.value, e.source])).toEqual([
      ['log.segment.bytes', '3000000', 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
      ['log.retention.ms', '7200000', 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
    ]);
    const [topic] = await admin.describeConfigs([{ type: 'topic', name: 'plain' }], { includeSynonyms: true, configNames: ['retention.ms'] });
    expect(topic!.entries[0]).toMatchObject({ value: '7200000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    expect(topic!.entries[0]!.synonyms[0]).toEqual({ name: 'log.retention.ms', value: '7200000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect(segmentBytes('plain')).toBe(2_000_000);
    expect(b.broker.context.replicas.getPartition('plain', 0)!.log.config.retentionMs).toBe(7_200_000);

    // Deleting the broker's own value falls back to the default's.
    await admin.incrementalAlterConfigs([{ resource: { type: 'broker', name: '0' }, ops: [{ name: 'log.segment.bytes', op: 'delete' }] }]);
    expect(segmentBytes('plain')).toBe(3_000_000);
  });

  it('refuses read-only and unknown keys and bad values with INVALID_REQUEST naming the key; validateOnly changes nothing', async () => {
    b = await startBroker();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([{ name: 't' }]);
    const broker = { type: 'broker' as const, name: '0' };
    const readOnly = await errorOf(admin.alterConfigs([{ resource: broker, entries: { 'broker.id': '4', 'log.dirs': '/x' } }]));
    expect(readOnly).toBeInstanceOf(InvalidRequestError);
    expect((readOnly as InvalidRequestError).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(readOnly.message).toContain('Cannot update these configs dynamically: Set(broker.id, log.dirs)');
    const typo = await errorOf(admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'log.segment.byte', op: 'set', value: '1' }] }]));
    expect(typo).toBeInstanceOf(InvalidRequestError);
    expect(typo.message).toContain('log.segment.byte (did you mean log.segment.bytes?)');
    const bad = await errorOf(admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'log.segment.bytes', op: 'set', value: 'big' }] }]));
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect(bad.message).toContain("log.segment.bytes: expected an integer, got 'big'");

    await admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'message.max.bytes', op: 'set', value: '5000' }] }], { validateOnly: true });
    expect(b.broker.context.replicas.getPartition('t', 0)!.log.config.maxMessageBytes).toBe(1_048_588);
    await admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'message.max.bytes', op: 'set', value: '5000' }] }]);
    expect(b.broker.context.replicas.getPartition('t', 0)!.log.config.maxMessageBytes).toBe(5000);

    // The cleaner's pause, a broker setting that is not a topic default, reaches the running cleaner.
    await admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'log.cleaner.backoff.ms', op: 'set', value: '2500' }] }]);
    expect(b.broker.logManager.cleaner.backoffMs).toBe(2500);
    const [cleaner] = await admin.describeConfigs([broker], { configNames: ['log.cleaner.backoff.ms'] });
    expect(cleaner!.entries[0]).toMatchObject({ value: '2500', source: 'DYNAMIC_BROKER_CONFIG', isReadOnly: false });

    // APPEND on a list starts from the value in effect.
    await admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'log.cleanup.policy', op: 'append', value: 'compact' }] }]);
    expect(b.broker.context.dynamicConfig.configsOf('0')['log.cleanup.policy']).toBe('delete,compact');
    expect(b.broker.context.replicas.getPartition('t', 0)!.log.config.compact).toBe(true);
  });

  it("confluent-kafka (librdkafka) and kafka-python alter a broker resource as librdkafka's admin test does; @platformatic/kafka alters it incrementally", async () => {
    b = await startBroker();
    // librdkafka's 0081-admin sets this Kerberos key on a broker and expects no error.
    const confluent = await python(`
import json
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': '${b.bootstrap}'})
r = ConfigResource(ConfigResource.Type.BROKER, '0', set_config={'sasl.kerberos.min.time.before.relogin': '58000', 'log.retention.bytes': '123456789'})
a.alter_configs([r])[r].result(20)
bad = ConfigResource(ConfigResource.Type.BROKER, '0', set_config={'zookeeper.connect': 'elsewhere:2181'})
try:
    a.alter_configs([bad])[bad].result(20)
    refused = None
except Exception as e:
    refused = [e.args[0].name(), e.args[0].str()]
d = ConfigResource(ConfigResource.Type.BROKER, '0')
entries = a.describe_configs([d])[d].result(20)
print(json.dumps({'refused': refused, 'configs': {k: [v.value, v.source, v.is_read_only] for k, v in entries.items()}}))
`);
    expect(confluent.refused[0]).toBe('INVALID_REQUEST');
    expect(confluent.refused[1]).toContain('Cannot update these configs dynamically: Set(zookeeper.connect)');
    expect(confluent.configs['sasl.kerberos.min.time.before.relogin']).toEqual(['58000', 2, false]);
    expect(confluent.configs['log.retention.bytes']).toEqual(['123456789', 2, false]);
    expect(confluent.configs['broker.id']).toEqual(['0', 4, true]);
    expect(b.broker.config.topicDefaults['retention.bytes']).toBe(123_456_789);

    const kafkaPython = await python(`
import json
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers='${b.bootstrap}')
r = a.alter_configs([ConfigResource(ConfigResourceType.BROKER, '0', configs={'log.retention.ms': '86400000'})]).resources[0]
d = a.describe_configs([ConfigResource(ConfigResourceType.BROKER, '0')], include_synonyms=True)[0].resources[0]
print(json.dumps({'error': r[0], 'configs': {e[0]: [e[1], e[3], [list(s) for s in e[5]]] for e in d[4]}}))
`);
    expect(kafkaPython.error).toBe(0);
    expect(kafkaPython.configs['log.retention.ms']).toEqual([
      '86400000',
      2,
      [
        ['log.retention.ms', '86400000', 2],
        ['log.retention.ms', '604800000', 5],
      ],
    ]);
    // AlterConfigs replaces the resource's dynamic set: the keys confluent-kafka set are gone.
    expect(b.broker.context.dynamicConfig.configsOf('0')).toEqual({ 'log.retention.ms': '86400000' });

    const plat = new PlatformaticAdmin({ clientId: 'dyn', bootstrapBrokers: [b.bootstrap] });
    try {
      await plat.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.BROKER,
            resourceName: '',
            configs: [{ name: 'log.roll.hours', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '2' }],
          },
        ],
      });
    } finally {
      await plat.close();
    }
    expect(b.broker.context.dynamicConfig.configsOf('')).toEqual({ 'log.roll.hours': '2' });
    expect(b.broker.config.topicDefaults['segment.ms']).toBe(2 * 3_600_000);
  });
});

// Broker settings Kafka reconfigures by restarting what uses them, changed
// with AlterConfigs / IncrementalAlterConfigs on a running broker: the log
// cleaner's (LogCleaner.ReconfigurableConfigs) and producer.id.expiration.ms
// (KIP-854). Each is described with its dynamic source, is in effect after
// a restart, and visibly changes what the broker does.

const BROKER = { type: 'broker' as const, name: '0' };

/** Distinct keys per compacted topic: more than an offset map of under 192 KiB holds (Kafka's 24 bytes an entry, 4,096 slots at least). */
const KEYS = 6000;

async function setBrokerConfigs(configs: Record<string, string>): Promise<void> {
  await admin!.incrementalAlterConfigs([{ resource: BROKER, ops: Object.entries(configs).map(([name, value]) => ({ name, op: 'set' as const, value })) }]);
}

/** Each key's value and source as the broker describes itself. */
async function described(names: readonly string[]): Promise<Record<string, [string | null, string, boolean]>> {
  const [result] = await admin!.describeConfigs([BROKER], { configNames: [...names] });
  return Object.fromEntries(result!.entries.map((e) => [e.name, [e.value, e.source, e.isReadOnly]]));
}

/** A compacted topic of KEYS records, each key once, in small segments: nearly all of it is in the cleanable dirty section. */
async function produceKeys(topic: string, valueBytes = 8): Promise<void> {
  await admin!.createTopics([{ name: topic, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '16384' } }]);
  const producer = new Producer({ 'bootstrap.servers': b!.bootstrap, 'linger.ms': 5 });
  try {
    const value = 'v'.repeat(valueBytes);
    await Promise.all(Array.from({ length: KEYS }, (_, i) => producer.send({ topic, partition: 0, key: `key-${i}`, value })));
  } finally {
    await producer.close();
  }
}

/** Cleans the topic's partition once with the broker's cleaner: where the cleaning got to, and where its dirty section ended. */
async function cleanOnce(topic: string): Promise<{ endOffset: number; dirtyEnd: number; elapsedMs: number; processed: number }> {
  const cleaner = b!.broker.logManager.cleaner;
  const dirtyEnd = (await cleaner.measure()).get(`${topic}-0`)!.firstUncleanableOffset;
  const outcome = await cleaner.cleanLog(`${topic}-0`);
  expect(outcome, `a cleaning of ${topic}`).toBeDefined();
  const { stats } = outcome!;
  return { endOffset: outcome!.endOffset, dirtyEnd, elapsedMs: stats.elapsedMs, processed: stats.mapBytesRead + stats.bytesRead + stats.bytesWritten };
}

describe('the log cleaner reconfigured while the broker runs', () => {
  it('restarts with new threads, buffers and load factor, whose offset maps reach as far as they say; the settings hold after a restart', {
    timeout: 120_000,
  }, async () => {
    // No background passes: the test cleans, so each cleaning's reach is its own.
    b = await startBroker({ 'log.cleaner.enable': 'false' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    for (const topic of ['two-threads', 'one-thread', 'low-load']) await produceKeys(topic);
    const cleaner = () => b!.broker.logManager.cleaner;
    expect(cleaner().threadCount).toBe(1);

    // Two threads share 192 KiB: 96 KiB each holds 3,686 keys (4,096 slots, 0.9 full), fewer than the dirty section has.
    await setBrokerConfigs({
      'log.cleaner.threads': '2',
      'log.cleaner.dedupe.buffer.size': '196608',
      'log.cleaner.io.buffer.size': '65536',
    });
    expect(cleaner().threadCount).toBe(2);
    expect(cleaner().perThread).toEqual({ dedupeBufferSize: 98_304, ioBufferSize: 32_768 });
    const partial = await cleanOnce('two-threads');
    expect(partial.dirtyEnd).toBeGreaterThan(4000);
    // A map that fills up ends the cleaning after its last whole batch.
    expect(partial.endOffset).toBeGreaterThan(0);
    expect(partial.endOffset).toBeLessThanOrEqual(3686);

    // One thread has all 192 KiB: 8,192 slots hold 7,372 keys, the whole dirty section.
    await setBrokerConfigs({ 'log.cleaner.threads': '1' });
    expect(cleaner().perThread).toEqual({ dedupeBufferSize: 196_608, ioBufferSize: 65_536 });
    const whole = await cleanOnce('one-thread');
    expect(whole.endOffset).toBe(whole.dirtyEnd);

    // The same map only 0.4 full holds 3,276 keys.
    await setBrokerConfigs({ 'log.cleaner.io.buffer.load.factor': '0.4' });
    const lowLoad = await cleanOnce('low-load');
    expect(lowLoad.endOffset).toBeGreaterThan(0);
    expect(lowLoad.endOffset).toBeLessThanOrEqual(3276);

    const names = ['log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.size', 'log.cleaner.io.buffer.load.factor'];
    const expected = {
      'log.cleaner.threads': ['1', 'DYNAMIC_BROKER_CONFIG', false],
      'log.cleaner.dedupe.buffer.size': ['196608', 'DYNAMIC_BROKER_CONFIG', false],
      'log.cleaner.io.buffer.size': ['65536', 'DYNAMIC_BROKER_CONFIG', false],
      'log.cleaner.io.buffer.load.factor': ['0.4', 'DYNAMIC_BROKER_CONFIG', false],
    };
    expect(await described(names)).toEqual(expected);

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect(await described(names)).toEqual(expected);
    expect(cleaner().currentSettings).toMatchObject({ threads: 1, dedupeBufferSize: 196_608, ioBufferSize: 65_536, dedupeBufferLoadFactor: 0.4 });
  });

  it("refuses thread counts outside Kafka's limits (at least 1, half to double the count in effect) and a load factor above 1, naming the key", async () => {
    b = await startBroker({ 'num.replica.fetchers': '2' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const refused = (configs: Record<string, string>, message: string) =>
      expectRejected(setBrokerConfigs(configs), InvalidRequestError, { errorCode: ErrorCode.INVALID_REQUEST }, message);
    await refused({ 'log.cleaner.threads': '3' }, 'log.cleaner.threads: Log cleaner threads cannot be increased to more than double the current value 1');
    await refused({ 'log.cleaner.threads': '0' }, 'log.cleaner.threads: Log cleaner threads should be at least 1');
    await refused(
      { 'num.replica.fetchers': '5' },
      'Dynamic thread count update validation failed for num.replica.fetchers=5, value should not be greater than double the current value 2',
    );
    await refused(
      { 'num.io.threads': '3' },
      'Dynamic thread count update validation failed for num.io.threads=3, value should be at least half the current value 8',
    );
    await refused({ 'log.cleaner.io.buffer.load.factor': '1.5' }, 'log.cleaner.io.buffer.load.factor: must be above 0 and at most 1');
    // Within the limits: double, then back to a half.
    await setBrokerConfigs({ 'num.replica.fetchers': '4', 'log.cleaner.threads': '2' });
    await setBrokerConfigs({ 'num.replica.fetchers': '2', 'log.cleaner.threads': '1' });
    expect(b.broker.logManager.cleaner.threadCount).toBe(1);
  });

  it('bounds what a cleaning reads and writes to log.cleaner.io.max.bytes.per.second, set by confluent-kafka (librdkafka)', { timeout: 120_000 }, async () => {
    b = await startBroker({ 'log.cleaner.enable': 'false' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    // About 2.5 MB of 400-byte values; the cleaner reads it twice (the offset map, then the copy) and writes some back.
    await produceKeys('throttled', 400);
    const rate = 2 * 1024 * 1024;
    const confluent = await python(`
import json
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': '${b.bootstrap}'})
r = ConfigResource(ConfigResource.Type.BROKER, '0', set_config={'log.cleaner.io.max.bytes.per.second': '${rate}'})
a.alter_configs([r])[r].result(20)
print(json.dumps({'ok': True}))
`);
    expect(confluent.ok).toBe(true);
    expect((await described(['log.cleaner.io.max.bytes.per.second']))['log.cleaner.io.max.bytes.per.second']).toEqual([
      '2097152.0',
      'DYNAMIC_BROKER_CONFIG',
      false,
    ]);

    const cleaning = await cleanOnce('throttled');
    expect(cleaning.endOffset).toBe(cleaning.dirtyEnd);
    expect(cleaning.processed).toBeGreaterThan(4_000_000);
    // The cleaner cannot go faster than the rate but by what one check interval (300 ms) and a chunk or two let it run ahead: a bound from below, loose.
    expect(cleaning.elapsedMs).toBeGreaterThan(0.75 * ((cleaning.processed / rate) * 1000) - 1000);
    expect(b.broker.logManager.cleaner.throttledMs).toBeGreaterThan(0);

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect(b.broker.logManager.cleaner.currentSettings.maxIoBytesPerSecond).toBe(rate);
    // Back to Kafka's default: no limit.
    await admin.incrementalAlterConfigs([{ resource: BROKER, ops: [{ name: 'log.cleaner.io.max.bytes.per.second', op: 'delete' }] }]);
    expect(b.broker.logManager.cleaner.currentSettings.maxIoBytesPerSecond).toBe(Number.MAX_VALUE);
    expect((await described(['log.cleaner.io.max.bytes.per.second']))['log.cleaner.io.max.bytes.per.second']).toEqual([
      '1.7976931348623157E308',
      'DEFAULT_CONFIG',
      false,
    ]);
  });
});

describe('producer.id.expiration.ms changed while the broker runs', () => {
  it('an idle idempotent producer is forgotten under the new expiry, set by kafka-python; the setting holds after a restart', { timeout: 60_000 }, async () => {
    // Expiry is checked with retention: every 200 ms here.
    b = await startBroker({ 'log.retention.check.interval.ms': '200' });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    await admin.createTopics([{ name: 'idempotent' }]);
    const producer = new Producer({ 'bootstrap.servers': b.bootstrap, 'linger.ms': 0 });
    try {
      await producer.send({ topic: 'idempotent', partition: 0, value: 'once' });
    } finally {
      await producer.close();
    }
    const raw = await RawClient.connect(b.port);
    const producers = async (): Promise<number> => {
      const res = await raw.request('DescribeProducers', 0, { topics: [{ name: 'idempotent', partitionIndexes: [0] }] });
      return res.topics[0].partitions[0].activeProducers.length;
    };
    try {
      // Under Kafka's default, a day, an expiry check keeps it.
      await b.broker.logManager.runRetention();
      expect(await producers()).toBe(1);
      const set = await python(`
import json
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers='${b.bootstrap}')
r = a.alter_configs([ConfigResource(ConfigResourceType.BROKER, '0', configs={'producer.id.expiration.ms': '1000'})]).resources[0]
print(json.dumps({'error': r[0]}))
`);
      expect(set.error).toBe(0);
      await waitFor(async () => (await producers()) === 0, 'the idle producer to be forgotten under producer.id.expiration.ms=1000');
    } finally {
      raw.close();
    }
    expect((await described(['producer.id.expiration.ms']))['producer.id.expiration.ms']).toEqual(['1000', 'DYNAMIC_BROKER_CONFIG', false]);

    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect((await described(['producer.id.expiration.ms']))['producer.id.expiration.ms']).toEqual(['1000', 'DYNAMIC_BROKER_CONFIG', false]);
    expect(b.broker.context.replicas.getPartition('idempotent', 0)!.log.producerIdExpirationMs).toBe(1000);
  });
});

describe('broker loggers', () => {
  it("describes the root logger and sets its level, which quiets the broker's log; other loggers and operations are refused", async () => {
    const lines: string[] = [];
    b = await startBroker({}, undefined, (level, message) => lines.push(`${level} ${message}`));
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const logger = { type: 'broker-logger' as const, name: '0' };
    const [before] = await admin.describeConfigs([logger]);
    expect(before!.entries.map((e) => [e.name, e.value, e.source, e.isReadOnly])).toEqual([['root', 'INFO', 'DYNAMIC_BROKER_LOGGER_CONFIG', false]]);

    await admin.incrementalAlterConfigs([{ resource: logger, ops: [{ name: 'root', op: 'set', value: 'WARN' }] }]);
    const [after] = await admin.describeConfigs([logger]);
    expect(after!.entries[0]!.value).toBe('WARN');
    // An info line the broker would have logged (a dynamic config change) is dropped now; a warning still comes through.
    lines.length = 0;
    await admin.incrementalAlterConfigs([{ resource: { type: 'broker', name: '0' }, ops: [{ name: 'log.retention.ms', op: 'set', value: '1000' }] }]);
    await admin.createTopics([{ name: 'old-format', configs: { 'message.format.version': '2.8' } }]);
    expect(lines.some((l) => l.startsWith('info '))).toBe(false);
    expect(lines.some((l) => l.startsWith('warn ') && l.includes('message.format.version'))).toBe(true);

    const unknown = await errorOf(admin.incrementalAlterConfigs([{ resource: logger, ops: [{ name: 'kafka.server', op: 'set', value: 'DEBUG' }] }]));
    expect((unknown as InvalidRequestError).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(unknown.message).toContain('Logger kafka.server does not exist!');
    const badLevel = await errorOf(admin.incrementalAlterConfigs([{ resource: logger, ops: [{ name: 'root', op: 'set', value: 'LOUD' }] }]));
    expect(badLevel.message).toContain('Valid log levels are FATAL, ERROR, WARN, INFO, DEBUG, TRACE');
    const removeRoot = await errorOf(admin.incrementalAlterConfigs([{ resource: logger, ops: [{ name: 'root', op: 'delete' }] }]));
    expect((removeRoot as InvalidRequestError).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(removeRoot.message).toContain('Removing the log level of the root logger is not allowed');
  });
});

describe('a TLS listener key store changed while the broker runs', () => {
  let certs: TestCertificates[] = [];
  afterEach(() => {
    for (const c of certs) c.remove();
    certs = [];
  });

  it('new sessions get the new certificate; a store that does not load, a default-level or unprefixed store is refused naming the key', async () => {
    const [first, second] = [makeCertificates(), makeCertificates()];
    certs = [first!, second!];
    b = await startBroker({
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': first!.brokerKeystore,
    });
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    const sslPort = b.broker.ports.get('SSL')!;
    expect(await servedCertificate(sslPort)).toBe(certificateFingerprint(first!.brokerCert));

    const broker = { type: 'broker' as const, name: '0' };
    await admin.incrementalAlterConfigs([
      { resource: broker, ops: [{ name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: second!.brokerKeystore }] },
    ]);
    expect(await servedCertificate(sslPort)).toBe(certificateFingerprint(second!.brokerCert));
    const [described] = await admin.describeConfigs([broker], { configNames: ['listener.name.ssl.ssl.keystore.location'] });
    expect(described!.entries[0]).toMatchObject({ value: second!.brokerKeystore, source: 'DYNAMIC_BROKER_CONFIG', isReadOnly: false });

    const missing = await errorOf(
      admin.incrementalAlterConfigs([
        { resource: broker, ops: [{ name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: '/nowhere/keystore.pem' }] },
      ]),
    );
    expect(missing).toBeInstanceOf(InvalidRequestError);
    expect(missing.message).toContain('listener.name.ssl.ssl.keystore.location');
    const atDefault = await errorOf(
      admin.incrementalAlterConfigs([
        { resource: { type: 'broker', name: '' }, ops: [{ name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: first!.brokerKeystore }] },
      ]),
    );
    expect(atDefault.message).toContain(
      'Cannot update these configs at default cluster level, broker id must be specified: Set(listener.name.ssl.ssl.keystore.location)',
    );
    const unprefixed = await errorOf(
      admin.incrementalAlterConfigs([{ resource: broker, ops: [{ name: 'ssl.keystore.location', op: 'set', value: first!.brokerKeystore }] }]),
    );
    expect(unprefixed.message).toContain(
      'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)',
    );
    const plaintext = await errorOf(
      admin.incrementalAlterConfigs([
        { resource: broker, ops: [{ name: 'listener.name.plaintext.ssl.keystore.location', op: 'set', value: first!.brokerKeystore }] },
      ]),
    );
    expect(plaintext.message).toContain('PLAINTEXT is not a TLS listener of this broker');
    expect(await servedCertificate(sslPort)).toBe(certificateFingerprint(second!.brokerCert));

    // The store set dynamically is the one a restart serves.
    await admin.close();
    b = await b.restart();
    admin = new Admin({ 'bootstrap.servers': b.bootstrap });
    expect(await servedCertificate(b.broker.ports.get('SSL')!)).toBe(certificateFingerprint(second!.brokerCert));
  });
});
