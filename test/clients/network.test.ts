import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { API_HANDLERS } from '../../src/broker/handlers/index.js';
import { Api, pickVersion } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { commonClientConfig, parseConfig } from '../../src/clients/network/config.js';
import {
  ClientConfigError,
  InvalidTopicError,
  isRetriable,
  KafkaApiError,
  kafkaErrorFor,
  LeaderNotAvailableError,
  NetworkError,
  NotCoordinatorError,
  NotEnoughReplicasError,
  NotLeaderOrFollowerError,
  RecordTooLargeError,
  TimeoutError,
  TopicAuthorizationError,
  UnknownTopicOrPartitionError,
  UnsupportedVersionError,
} from '../../src/clients/network/errors.js';
import { NetworkClient } from '../../src/clients/network/network-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { waitFor } from '../wait-for.js';

const connectionOptions = { clientId: 'net-test', requestTimeoutMs: 5000, connectTimeoutMs: 5000, maxInFlight: 5, sendBufferBytes: -1, receiveBufferBytes: -1 };

function clientConfig(bootstrap: string, extra: Record<string, unknown> = {}) {
  return parseConfig(
    commonClientConfig({ receiveBufferBytes: 65536, connectionsMaxIdleMs: 540_000 }),
    { 'bootstrap.servers': bootstrap, 'client.id': 'net-test', ...extra },
    'test',
  );
}

/** A TCP server that accepts and never answers, counting the bytes it gets. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[]; received: () => number }> {
  const sockets: Socket[] = [];
  let received = 0;
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => (received += d.length));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port, sockets, received: () => received };
}

describe('client network layer', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startBroker();
  });
  afterAll(async () => {
    await b.stop();
  });

  it('negotiates the highest version both sides support with ApiVersions', async () => {
    const c = new BrokerConnection(0, '127.0.0.1', b.port, connectionOptions);
    onTestFinished(() => c.close());
    await c.connect();
    expect(c.state).toBe('ready');
    const brokerList = new Map(
      API_HANDLERS.map((h) => [
        h.request.apiKey,
        { minVersion: h.minVersion ?? h.request.validVersions.min, maxVersion: h.maxVersion ?? h.request.validVersions.max },
      ]),
    );
    expect(c.apiVersions.get(0)).toEqual({ minVersion: brokerList.get(0)!.minVersion, maxVersion: brokerList.get(0)!.maxVersion });
    expect(c.versionOf(Api.Produce)).toBe(Math.min(11, brokerList.get(0)!.maxVersion));
    expect(c.versionOf(Api.Metadata)).toBe(Math.min(12, brokerList.get(3)!.maxVersion));
    expect(c.versionOf(Api.Metadata, { max: 8 })).toBe(8);
    // Produce below v3 carries old record formats: the client never picks them.
    expect(pickVersion(Api.Produce, new Map([[0, { minVersion: 0, maxVersion: 2 }]]))).toBe(-1);
    // A flexible request (Metadata v12, header v2) and a classic one (v8, header v1) both round-trip.
    const v12: any = await c.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false });
    const v8: any = await c.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false }, { maxVersion: 8 });
    expect(v12.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: b.port, rack: null }]);
    expect(v8.brokers[0].port).toBe(b.port);
    expect(v12.clusterId).toBe(v8.clusterId);
  });

  it('pipelines requests up to max.in.flight and answers each by correlation id', async () => {
    const c = new BrokerConnection(0, '127.0.0.1', b.port, { ...connectionOptions, maxInFlight: 3 });
    onTestFinished(() => c.close());
    await c.connect();
    let maxSeen = 0;
    const names = Array.from({ length: 20 }, (_, i) => `pipelined-${i}`);
    const all = names.map((name) => {
      const p = c.request(Api.Metadata, { topics: [{ name }], allowAutoTopicCreation: false });
      maxSeen = Math.max(maxSeen, c.inFlight.count);
      return p;
    });
    const responses: any[] = await Promise.all(all);
    expect(maxSeen).toBe(3);
    expect(responses.map((r) => r.topics[0].name)).toEqual(names);
    expect(responses.every((r) => r.topics[0].errorCode === 3)).toBe(true);
    expect(c.inFlight.count).toBe(0);
  });

  it('closes the connection when a request outlives request.timeout.ms', async () => {
    const silent = await silentServer();
    const c = new BrokerConnection(7, '127.0.0.1', silent.port, { ...connectionOptions, requestTimeoutMs: 300 });
    try {
      const error = await c.connect().catch((e) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.retriable).toBe(true);
      expect(error.errorCode).toBe(ErrorCode.NETWORK_EXCEPTION);
      // The connection measured the request's age itself: never less than request.timeout.ms.
      const age = /ApiVersions request to node 7 .* timed out after (\d+) ms/.exec(error.message)?.[1];
      expect(Number(age)).toBeGreaterThanOrEqual(300);
      expect(c.state).toBe('closed');
      expect(silent.received()).toBeGreaterThan(0);
    } finally {
      c.close();
      for (const s of silent.sockets) s.destroy();
      silent.server.close();
    }
  });

  it('asks ApiVersions again at the version an older broker lists after UNSUPPORTED_VERSION (KIP-511)', async () => {
    const seen: number[] = [];
    const server = createServer((s) => {
      s.on('data', (d: Buffer) => {
        const version = d.readInt16BE(6);
        const correlationId = d.readInt32BE(8);
        seen.push(version);
        // Response header v0, then a v0 body: errorCode, [apiKey, min, max].
        const apis =
          version > 2
            ? [[18, 0, 2]]
            : [
                [18, 0, 2],
                [3, 1, 9],
              ];
        const body = Buffer.alloc(4 + 2 + 4 + apis.length * 6 + (version >= 1 ? 4 : 0));
        body.writeInt32BE(correlationId, 0);
        body.writeInt16BE(version > 2 ? 35 : 0, 4);
        body.writeInt32BE(apis.length, 6);
        apis.forEach(([k, min, max], i) => {
          body.writeInt16BE(k!, 10 + i * 6);
          body.writeInt16BE(min!, 12 + i * 6);
          body.writeInt16BE(max!, 14 + i * 6);
        });
        const size = Buffer.alloc(4);
        size.writeInt32BE(body.length);
        s.write(Buffer.concat([size, body]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const c = new BrokerConnection(0, '127.0.0.1', (server.address() as { port: number }).port, connectionOptions);
    try {
      await c.connect();
      expect(seen).toEqual([4, 2]);
      expect(c.versionOf(Api.Metadata)).toBe(9);
      expect(c.versionOf(Api.Produce)).toBe(-1);
      const error = await c.request(Api.Produce, {}).catch((e) => e);
      expect(error).toBeInstanceOf(UnsupportedVersionError);
      expect(error.code).toBe('UNSUPPORTED_VERSION');
      expect(error.message).toMatch(/node 0 supports Produce in no version/);
    } finally {
      c.close();
      server.close();
    }
  });

  it('fails pending requests with a NetworkError when the broker goes away', async () => {
    const refused = new BrokerConnection(1, '127.0.0.1', 1, connectionOptions);
    const error = await refused.request(Api.Metadata, { topics: [] }).catch((e) => e);
    refused.close();
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/node 1 \(127\.0\.0\.1:1\)/);
  });

  it('NetworkClient: bootstrap, metadata, leastLoadedNode and idle connections', async () => {
    await b.broker.context.topics.create({ name: 'net-topic', numPartitions: 3, replicationFactor: 1, assignments: [], configs: {} });
    const client = new NetworkClient(clientConfig(b.bootstrap, { 'connections.max.idle.ms': 300 }));
    onTestFinished(() => client.close());
    expect(client.leastLoadedNode()).toBe(-1); // the bootstrap server, before any metadata
    client.metadata.add('net-topic');
    const cluster = await client.metadata.update();
    expect([...cluster.nodes.values()]).toEqual([{ id: 0, host: '127.0.0.1', port: b.port, rack: null }]);
    expect(cluster.partitionsFor('net-topic')!.map((p) => [p.partition, p.leader])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(cluster.controllerId).toBe(0);
    expect(client.leastLoadedNode()).toBe(0);
    const response: any = await client.send(0, Api.DescribeCluster, { includeClusterAuthorizedOperations: false });
    expect(response.brokers[0].brokerId).toBe(0);
    expect(client.isReady(0)).toBe(true);
    // Idle for longer than connections.max.idle.ms: closed; the next request reconnects.
    await waitFor(() => !client.isReady(0), 'the idle connection to close', 20_000);
    const again: any = await client.send(0, Api.DescribeCluster, { includeClusterAuthorizedOperations: false });
    expect(again.clusterId).toBe(response.clusterId);
    expect(client.isReady(0)).toBe(true);
  });

  it('keeps refreshing every metadata.max.age.ms when its timer fires before Date.now() says the refresh is due', async () => {
    const client = new NetworkClient(clientConfig(b.bootstrap, { 'metadata.max.age.ms': 100 }));
    onTestFinished(() => client.close());
    await client.metadata.update();
    const first = client.metadata.updateVersion;
    // Make Date.now() run 40 ms behind the timers' clock, as the event loop's cached time can be
    // ahead of it under load: every timer then fires before its refresh is due by Date.now().
    // A refresh timer that gave up after firing early would leave updateVersion where it is.
    const realNow = Date.now;
    Date.now = () => realNow() - 40;
    try {
      await waitFor(() => client.metadata.updateVersion - first >= 3, 'three periodic metadata refreshes', 20_000);
    } finally {
      Date.now = realNow;
    }
    expect(client.metadata.updateVersion - first).toBeGreaterThanOrEqual(3);
  });

  it('waitForTopic: auto-created topics appear; a bad name fails at once; a missing topic times out', async () => {
    const client = new NetworkClient(clientConfig(b.bootstrap));
    onTestFinished(() => client.close());
    const topic = await client.metadata.waitForTopic('net-auto-created', 5000);
    expect(topic.partitions.length).toBe(1);
    expect(b.broker.context.topics.get('net-auto-created')).toBeDefined();
    const invalid = await client.metadata.waitForTopic('bad topic name!', 5000).catch((e) => e);
    expect(invalid).toBeInstanceOf(InvalidTopicError);
    expect(invalid.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const noAuto = new NetworkClient(clientConfig(b.bootstrap), { allowAutoTopicCreation: false });
    onTestFinished(() => noAuto.close());
    const error = await noAuto.metadata.waitForTopic('net-never-created', 400).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/Topic net-never-created not present in metadata after 400 ms/);
    expect(b.broker.context.topics.get('net-never-created')).toBeUndefined();
  });
});

describe('client errors and config', () => {
  it('sets retriable as the Java client does', () => {
    for (const E of [NotLeaderOrFollowerError, LeaderNotAvailableError, UnknownTopicOrPartitionError, NotEnoughReplicasError, NotCoordinatorError]) {
      expect(new E().retriable).toBe(true);
    }
    for (const E of [RecordTooLargeError, InvalidTopicError, TopicAuthorizationError]) expect(new E().retriable).toBe(false);
    expect(kafkaErrorFor(7).retriable).toBe(true); // REQUEST_TIMED_OUT
    expect(kafkaErrorFor(14).retriable).toBe(true); // COORDINATOR_LOAD_IN_PROGRESS
    expect(kafkaErrorFor(30).retriable).toBe(false); // GROUP_AUTHORIZATION_FAILED
    expect(kafkaErrorFor(6)).toBeInstanceOf(NotLeaderOrFollowerError);
    expect(kafkaErrorFor(6).invalidMetadata).toBe(true);
    const e = kafkaErrorFor(10, 'record of 2000 bytes');
    expect(e).toBeInstanceOf(RecordTooLargeError);
    expect(e).toBeInstanceOf(KafkaApiError);
    expect(e.name).toBe('RecordTooLargeError');
    expect(e.code).toBe('MESSAGE_TOO_LARGE');
    expect(e.errorCode).toBe(10);
    expect(e.message).toBe('MESSAGE_TOO_LARGE: record of 2000 bytes');
    expect(kafkaErrorFor(999).code).toBe('ERROR_999');
    expect(isRetriable(new NetworkError('x'))).toBe(true);
    expect(isRetriable(new TypeError('x'))).toBe(false);
  });

  it('parses Kafka-style settings and refuses unknown or bad ones', () => {
    const c = clientConfig('a:1, b:2', { 'request.timeout.ms': '1500', 'send.buffer.bytes': -1 });
    expect(c['bootstrap.servers']).toEqual(['a:1', 'b:2']);
    expect(c['request.timeout.ms']).toBe(1500);
    expect(c['metadata.max.age.ms']).toBe(300_000);
    expect(() => clientConfig('a:1', { 'request.timeout.msx': 1 })).toThrow(ClientConfigError);
    expect(() => clientConfig('a:1', { 'request.timeout.ms': 'soon' })).toThrow(/invalid value "soon" for configuration 'request.timeout.ms'/);
    expect(() => parseConfig(commonClientConfig({ receiveBufferBytes: 1, connectionsMaxIdleMs: 1 }), {}, 'test')).toThrow(
      /missing required test configuration 'bootstrap.servers'/,
    );
  });
});
