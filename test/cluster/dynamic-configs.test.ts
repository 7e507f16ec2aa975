import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/free-port.js';
import { javaStringHashCode, kafkaAbs } from '../../src/broker/group/java-hash.js';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { InvalidRequestError, NetworkError, RecordTooLargeError } from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { expectRejected } from '../errors.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import { brokerRequest, type LoadRecord, PythonStream, readAll, replicaProblems, waitForEqualReplicaSizes, waitForIsr, zkReader } from './cluster-probe.js';

// Dynamic broker configs in a cluster (Kafka's ZooKeeper mode): `samsa configs`
// writes /config/brokers/<default> or /config/brokers/<id> with a
// /config/changes notification, and every broker (or the one named) applies
// it to its logs, without a restart; a broker started later reads them.

const root = fileURLToPath(new URL('../..', import.meta.url));

function configsCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/cli/main.js', 'configs', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** One key of a broker resource as that broker itself describes it: [value, source id], or undefined when it does not report it. */
async function brokerSetting(cluster: TestCluster, id: number, resource: string, key: string): Promise<[string | null, number] | undefined> {
  const response = await brokerRequest(cluster, id, (c) =>
    c.request(Api.DescribeConfigs, {
      resources: [{ resourceType: 4, resourceName: resource, configurationKeys: [key] }],
      includeSynonyms: false,
      includeDocumentation: false,
    }),
  );
  const entry = response.results[0]!.configs[0];
  return entry && [entry.value, entry.configSource];
}

/** Kafka's fetcher for a partition: abs(31·hash(topic) + partition) % num.replica.fetchers. */
const fetcherOf = (topic: string, partition: number, count: number) => kafkaAbs((Math.imul(31, javaStringHashCode(topic)) + partition) | 0) % count;

/**
 * Which fetcher of broker `id` follows each partition of `topic`, as its log
 * says: the "added fetcher" lines since its last resize (a resize moves every
 * partition, and logs where each went).
 */
function fetchersOf(cluster: TestCluster, id: number, topic: string): Map<number, number> {
  const following = new Map<number, number>();
  for (const line of cluster.output(id).split('\n')) {
    if (line.includes('resizing the replica fetchers from')) following.clear();
    const added = /added fetcher (\d+) to broker \d+ for partitions (.*)$/.exec(line);
    if (!added) continue;
    for (const key of added[2]!.split(', ')) {
      const partition = key.startsWith(`${topic}-`) ? Number(key.slice(topic.length + 1)) : Number.NaN;
      if (Number.isInteger(partition)) following.set(partition, Number(added[1]));
    }
  }
  return following;
}

describe('dynamic broker configs on a three-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;
  let zk: KafkaZkClient;

  beforeAll(async () => {
    cluster = await TestCluster.start({ brokers: 3 });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    zk = await zkReader(cluster);
  }, 120_000);

  afterAll(async () => {
    await zk?.close();
    await admin?.close();
    await cluster?.close();
  });

  it('a cluster-wide default reaches every broker and its logs; a per-broker value only that broker; a restarted broker reads them', {
    timeout: 180_000,
  }, async () => {
    // One partition led by each broker, so every broker's log checks the new limit.
    await admin.createTopics([{ name: 'dyn', replicasAssignments: { 0: [1], 1: [2], 2: [3] } }]);
    const server = ['--bootstrap-server', cluster.bootstrap];
    const set = await configsCli([...server, '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'message.max.bytes=1000']);
    expect(set).toMatchObject({ status: 0, stdout: 'Completed updating default config for brokers in the cluster.\n' });
    expect(await zk.getEntityConfigs('brokers', '<default>')).toEqual({ 'message.max.bytes': '1000' });

    await waitUntil(async () => {
      for (const id of cluster.brokerIds) if ((await brokerSetting(cluster, id, String(id), 'message.max.bytes'))?.[0] !== '1000') return false;
      return true;
    }, 'every broker to take the default message.max.bytes');
    for (const id of cluster.brokerIds) expect(await brokerSetting(cluster, id, String(id), 'message.max.bytes')).toEqual(['1000', 3]);

    const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 });
    try {
      for (const partition of [0, 1, 2]) {
        const refused = await producer.send({ topic: 'dyn', partition, value: 'x'.repeat(5000) }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(refused, `partition ${partition}`).toBeInstanceOf(RecordTooLargeError);
        await producer.send({ topic: 'dyn', partition, value: 'small' });
      }
    } finally {
      await producer.close();
    }

    const own = await configsCli([...server, '--alter', '--broker', '2', '--add-config', 'log.segment.bytes=5000000']);
    expect(own.status).toBe(0);
    expect(await zk.getEntityConfigs('brokers', '2')).toEqual({ 'log.segment.bytes': '5000000' });
    await waitUntil(async () => (await brokerSetting(cluster, 2, '2', 'log.segment.bytes'))?.[0] === '5000000', 'broker 2 to take its own log.segment.bytes');
    expect(await brokerSetting(cluster, 2, '2', 'log.segment.bytes')).toEqual(['5000000', 2]);
    expect(await brokerSetting(cluster, 1, '1', 'log.segment.bytes')).toEqual(['1073741824', 5]);

    // What the CLI shows for the whole cluster: each broker's own, then the default.
    const described = await configsCli([...server, '--describe', '--entity-type', 'brokers']);
    expect(described.stdout).toContain(
      'Dynamic configs for broker 2 are:\n  log.segment.bytes=5000000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=5000000, DEFAULT_CONFIG:log.segment.bytes=1073741824}\n',
    );
    expect(described.stdout).toContain(
      'Default configs for brokers in the cluster are:\n  message.max.bytes=1000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=1000}\n',
    );

    await cluster.restart(3);
    await cluster.waitForMembership();
    expect(await brokerSetting(cluster, 3, '3', 'message.max.bytes')).toEqual(['1000', 3]);

    // Deleting the default lets every broker's logs take large records again.
    expect((await configsCli([...server, '--alter', '--broker-defaults', '--delete-config', 'message.max.bytes'])).status).toBe(0);
    await waitUntil(async () => {
      for (const id of cluster.brokerIds) if ((await brokerSetting(cluster, id, String(id), 'message.max.bytes'))?.[1] !== 5) return false;
      return true;
    }, 'every broker to drop the default message.max.bytes');
    const again = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 0 });
    try {
      for (const partition of [0, 1, 2]) await again.send({ topic: 'dyn', partition, value: 'x'.repeat(5000) });
    } finally {
      await again.close();
    }
  });
  it("a listener added to brokers 1 and 2 is registered, and Metadata on broker 2's lists broker 1 there once the controller tells it; removed, it goes; a restarted broker opens it again", {
    timeout: 180_000,
  }, async () => {
    const extraPort = new Map([
      [1, await freePort()],
      [2, await freePort()],
    ]);
    const listeners = (id: number, extra: boolean) => `PLAINTEXT://127.0.0.1:${cluster.port(id)}${extra ? `,EXTRA://127.0.0.1:${extraPort.get(id)}` : ''}`;
    const setListeners = (id: number, extra: boolean) =>
      admin.incrementalAlterConfigs([
        {
          resource: { type: 'broker', name: String(id) },
          ops: [
            { name: 'listeners', op: 'set', value: listeners(id, extra) },
            { name: 'listener.security.protocol.map', op: 'set', value: 'PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT' },
          ],
        },
      ]);
    /** The port of each broker in a Metadata answer from broker `id`'s EXTRA listener. */
    const portsOnExtra = async (id: number) => {
      const response = await brokerRequest(cluster, id, (c) => c.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false }), extraPort.get(id));
      return new Map(response.brokers.map((b) => [b.nodeId, b.port]));
    };
    const registered = async (id: number) => (await zk.getBroker(id))!.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`).join(',');

    await expectRejected(
      admin.incrementalAlterConfigs([{ resource: { type: 'broker', name: '' }, ops: [{ name: 'listeners', op: 'set', value: listeners(1, true) }] }]),
      InvalidRequestError,
      { errorCode: ErrorCode.INVALID_REQUEST },
      'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)',
    );
    // Broker 2 through `samsa configs`, as the README shows; broker 1 through samsa's Admin.
    const added = await configsCli([
      ...['--bootstrap-server', cluster.bootstrap, '--alter', '--broker', '2', '--add-config'],
      `listeners=[${listeners(2, true)}],listener.security.protocol.map=[PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT]`,
    ]);
    expect(added).toMatchObject({ status: 0, stdout: 'Completed updating config for broker 2.\n' });
    await setListeners(1, true);
    expect(await registered(1)).toBe(listeners(1, true));
    expect(await zk.getEntityConfigs('brokers', '1')).toMatchObject({ listeners: listeners(1, true) });
    await waitUntil(async () => (await portsOnExtra(2)).get(1) === extraPort.get(1), "broker 2's metadata to list broker 1's EXTRA endpoint");
    expect((await portsOnExtra(2)).get(2)).toBe(extraPort.get(2));
    expect((await portsOnExtra(1)).get(2)).toBe(extraPort.get(2));

    await setListeners(1, false);
    expect(await registered(1)).toBe(listeners(1, false));
    await waitUntil(async () => (await portsOnExtra(2)).get(1) !== extraPort.get(1), "broker 2's metadata to drop broker 1's EXTRA endpoint");
    await expectRejected(portsOnExtra(1), NetworkError, {}, /ECONNREFUSED/);

    await cluster.restart(2);
    await cluster.waitForMembership();
    expect(await registered(2)).toBe(listeners(2, true));
    expect((await portsOnExtra(2)).get(2)).toBe(extraPort.get(2));
    await setListeners(2, false);
    expect(await registered(2)).toBe(listeners(2, false));
  });

  it('num.replica.fetchers moves the followed partitions onto 2, 3, then 1 fetcher under acks=all load, losing and repeating nothing; a restarted broker starts with the count', {
    timeout: 400_000,
  }, async () => {
    const topic = 'fetched';
    const partitions = 6;
    // Broker 1 leads every partition and broker 2 follows them: broker 2's fetchers from broker 1 are resized.
    await admin.createTopics([{ name: topic, replicasAssignments: Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, [1, 2]])) }]);
    await waitForIsr(zk, topic, partitions, [1, 2], 'both replicas of every partition in sync');
    const onFetchers = (count: number) => async () => {
      const following = fetchersOf(cluster, 2, topic);
      return Array.from({ length: partitions }, (_, p) => p).every((p) => following.get(p) === fetcherOf(topic, p, count));
    };
    await waitUntil(onFetchers(1), "broker 2's partitions on one fetcher");
    const clusterDefault = { type: 'broker' as const, name: '' };
    const setFetchers = (count: number) =>
      admin.incrementalAlterConfigs([{ resource: clusterDefault, ops: [{ name: 'num.replica.fetchers', op: 'set', value: String(count) }] }]);

    const producer = new PythonStream('produce-load', cluster.bootstrap, topic);
    try {
      await producer.progress(300, 'on one fetcher');
      // Kafka's limit: at most double the count in effect.
      const tooMany = await setFetchers(3).then(
        () => undefined,
        (e: unknown) => e as InvalidRequestError,
      );
      expect(tooMany).toBeInstanceOf(InvalidRequestError);
      expect(tooMany!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
      expect(tooMany!.message).toContain('value should not be greater than double the current value 1');

      for (const count of [2, 3, 1]) {
        await setFetchers(count);
        await waitUntil(onFetchers(count), `broker 2's partitions on ${count} fetchers`);
        await waitUntil(async () => {
          for (const id of cluster.brokerIds) if ((await brokerSetting(cluster, id, String(id), 'num.replica.fetchers'))?.[0] !== String(count)) return false;
          return true;
        }, `every broker to take num.replica.fetchers=${count}`);
        for (const id of cluster.brokerIds) expect(await brokerSetting(cluster, id, String(id), 'num.replica.fetchers')).toEqual([String(count), 3]);
        await producer.progress(300, `on ${count} fetchers`);
        if (count !== 3) continue;
        // A broker started later reads the count from ZooKeeper and follows on that many fetchers at once.
        expect(await cluster.stop(2)).toBe(0);
        await producer.progress(300, 'with broker 2 stopped');
        await cluster.startBroker(2);
        await waitForIsr(zk, topic, partitions, [1, 2], 'broker 2 back in every ISR');
        await waitUntil(onFetchers(3), "the restarted broker 2's partitions on three fetchers");
        expect(await brokerSetting(cluster, 2, '2', 'num.replica.fetchers')).toEqual(['3', 3]);
        await producer.progress(300, 'after broker 2 restarted');
      }
      const produced = await producer.finish();
      expect(producer.errors).toEqual([]);
      expect(produced.unflushed).toBe(0);
      expect(producer.records.length).toBe(produced.sent);
    } finally {
      await producer.kill();
    }

    // Every acknowledged record at its offset, no value twice, and the two replicas byte for byte the same.
    const at = (r: LoadRecord) => `${r.partition}@${r.offset}`;
    const log = await readAll(cluster.bootstrap, topic, partitions);
    const stored = new Map(log.map((r) => [at(r), r]));
    const missing = producer.records.filter((r) => stored.get(at(r))?.value !== r.value || stored.get(at(r))?.key !== r.key);
    expect(missing.slice(0, 5)).toEqual([]);
    expect(log.length - new Set(log.map((r) => r.value)).size).toBe(0);
    await waitForEqualReplicaSizes(cluster, [1, 2], topic, partitions);
    for (const id of [1, 2]) expect(await cluster.stop(id)).toBe(0);
    expect(await replicaProblems(cluster, [1, 2], 'file', topic, partitions)).toEqual([]);
    for (const id of [1, 2]) await cluster.startBroker(id);
    await cluster.waitForMembership();
  });
});
