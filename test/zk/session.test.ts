import { afterEach, describe, expect, it } from 'vitest';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import type { BrokerInfo } from '../../src/zk/zk-data.js';
import { ZkError, ZooKeeperClientTimeoutError } from '../../src/zk/zk-error.js';
import { startTcpProxy, type TcpProxy } from '../cluster/tcp-proxy.js';
import { startZooKeeper, type ZooKeeperServer } from '../cluster/zookeeper-server.js';
import { waitFor } from '../wait-for.js';
import { EventLog } from './event-log.js';

// Session faults against a real ZooKeeper: each test starts its own, as it stops or cuts it off
// (a minute each: two JVM starts and a connection timeout on a loaded machine).
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function zookeeper(): Promise<ZooKeeperServer> {
  const server = await startZooKeeper();
  cleanups.push(() => server.close());
  return server;
}

async function connect(connect: string, settings: Record<string, unknown> = {}): Promise<KafkaZkClient> {
  const client = await KafkaZkClient.connect({ 'zookeeper.connect': connect, ...settings });
  cleanups.push(() => client.close());
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<ZkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZkError);
  return error as ZkError;
}

/** Records the client's state changes as connected, disconnected and expired; `onNewSession` is the broker's own. */
function recordStates(client: KafkaZkClient, onNewSession?: () => Promise<void>): EventLog {
  const events = new EventLog();
  client.zk.registerStateChangeHandler({
    name: 'broker',
    onConnected: events.recorder('connected'),
    onDisconnected: events.recorder('disconnected'),
    onSessionExpired: events.recorder('expired'),
    onNewSession,
  });
  return events;
}

const brokerInfo: BrokerInfo = {
  id: 1,
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
  rack: null,
  jmxPort: -1,
  features: {},
};

describe('ZooKeeper sessions', () => {
  it('tells handlers when the session expires behind a partition, and the broker registers again in the new session', async () => {
    const server = await zookeeper();
    const proxy: TcpProxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    // the broker reaches ZooKeeper through the proxy; the observer directly
    const broker = await connect(`127.0.0.1:${proxy.port}/cluster`, { 'zookeeper.session.timeout.ms': 4000, 'zookeeper.connection.timeout.ms': 20_000 });
    const observer = await connect(`${server.connectString}/cluster`);
    await broker.createTopLevelPaths();

    const events = recordStates(broker, async () => {
      events.push('new-session');
      await broker.registerBroker(brokerInfo);
      events.push('registered');
    });
    const firstEpoch = await broker.registerBroker(brokerInfo);
    const firstSession = broker.zk.sessionId;
    const watched = new EventLog();
    await broker.zk.registerZNodeChangeHandler({ path: '/controller', handleCreation: watched.recorder('controller') });
    const seen = new EventLog();
    await observer.zk.registerZNodeChangeHandler({
      path: '/brokers/ids/1',
      handleDeletion: seen.recorder('deleted'),
      handleCreation: seen.recorder('created'),
    });

    const atPause = events.seen.length;
    proxy.pause();
    // a request sent into the partition fails once the connection is given up (read timeout);
    // KafkaZkClient's requests are retried after that, but only in the session they began in
    const retried = broker.getBroker(1);
    const lost = await rejection(broker.zk.getData('/brokers/ids/1'));
    expect(lost.code).toBe('CONNECTIONLOSS');
    await events.waitFor('disconnected');
    // the server expires the session, its heartbeats having stopped
    await seen.waitFor('deleted');
    expect(await observer.getBroker(1)).toBeUndefined();
    // issued in the old session: never run in the next one
    const stale = broker.zk.create('/brokers/ids/1', Buffer.from('stale'), 'EPHEMERAL');

    proxy.resume();
    expect((await rejection(stale)).code).toBe('SESSIONEXPIRED');
    expect((await rejection(retried)).code).toBe('SESSIONEXPIRED');
    await events.waitFor('registered');
    expect(events.seen.slice(atPause)).toEqual(['disconnected', 'expired', 'connected', 'new-session', 'registered']);
    await seen.waitFor('created');
    const secondSession = broker.zk.sessionId;
    expect(secondSession).not.toBe(firstSession);
    const registration = await observer.zk.getData('/brokers/ids/1');
    expect(registration.stat.ephemeralOwner).toBe(secondSession);
    expect(registration.stat.czxid > firstEpoch).toBe(true);
    expect(JSON.parse(registration.data!.toString()).endpoints).toEqual(['PLAINTEXT://127.0.0.1:9092']);

    // the change handler watches again in the new session
    await observer.registerController(2);
    await watched.waitFor('controller');
    expect(events.count('expired')).toBe(1);
  }, 60_000);

  it('retries a KafkaZkClient request after a connection loss in the same session', async () => {
    const server = await zookeeper();
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const broker = await connect(`127.0.0.1:${proxy.port}/cluster`, { 'zookeeper.session.timeout.ms': 6000 });
    await broker.createTopLevelPaths();
    await broker.registerBroker(brokerInfo);
    const session = broker.zk.sessionId;
    const events = recordStates(broker);

    const atPause = events.seen.length;
    proxy.pause();
    const raw = broker.zk.getData('/brokers/ids/1');
    const retried = broker.getBroker(1);
    await new Promise(setImmediate); // both requests are written (into the partition)
    proxy.resume(); // the connection they went out on is reset
    expect((await rejection(raw)).code).toBe('CONNECTIONLOSS');
    expect((await retried)?.endpoints).toEqual(brokerInfo.endpoints);
    await events.waitFor('connected');
    expect(events.seen.slice(atPause)).toEqual(['disconnected', 'connected']);
    expect(broker.zk.sessionId).toBe(session);
  }, 60_000);

  it("counts a leader's ISR write that was applied but whose reply was lost, found when retried, as written", async () => {
    const server = await zookeeper();
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const leader = await connect(`127.0.0.1:${proxy.port}/cluster`, { 'zookeeper.session.timeout.ms': 6000 });
    const controller = await connect(`${server.connectString}/cluster`);
    await controller.createTopLevelPaths();
    const { epoch, zkVersion } = await controller.registerController(2);
    const tp = { topic: 'orders', partition: 0 };
    const isr = (members: number[]) => ({
      leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: members, leaderRecoveryState: 0, partitionEpoch: 0 },
      controllerEpoch: epoch,
    });
    await controller.createTopicAssignment('orders', null, new Map([[0, [1, 2]]]));
    await controller.createTopicPartitionStates([{ tp, state: isr([1, 2]) }], zkVersion);

    proxy.loseReplies();
    const write = leader.conditionalUpdatePartitionState(tp, isr([1]), 0);
    await waitFor(async () => (await controller.getTopicPartitionState(tp))?.leaderAndIsr.partitionEpoch === 1, 'the ISR write to reach ZooKeeper');
    proxy.resume(); // the connection is reset: the write is retried and meets its own first attempt
    expect(await write).toBe(1);
    // A state that moved on otherwise is still a refusal.
    expect(await leader.conditionalUpdatePartitionState(tp, isr([1, 2]), 0)).toBeNull();
    expect((await controller.getTopicPartitionState(tp))?.leaderAndIsr).toMatchObject({ isr: [1], partitionEpoch: 1 });
  }, 60_000);

  it('reconnects in the same session after ZooKeeper is stopped and started again; its ephemeral nodes remain', async () => {
    const server = await zookeeper();
    // the broker's requests wait long for a connection (a JVM may start slowly on a loaded machine);
    // the probe's give up after 3 s, to show how long ZooKeeper stayed down
    const broker = await connect(`${server.connectString}/cluster`, { 'zookeeper.connection.timeout.ms': 30_000 });
    const probe = await connect(`${server.connectString}/cluster`, { 'zookeeper.connection.timeout.ms': 3000 });
    expect(broker.zk.sessionTimeoutMs).toBe(18_000); // Kafka's default, within the server's bounds
    await broker.createTopLevelPaths();
    const epoch = await broker.registerBroker(brokerInfo);
    const session = broker.zk.sessionId;
    const events = recordStates(broker);
    const children = new EventLog();
    await broker.zk.registerZNodeChildChangeHandler({ path: '/brokers/ids', handleChildChange: children.recorder('ids') });

    const atStop = events.seen.length;
    await server.stop();
    await events.waitFor('disconnected');
    // a request issued while ZooKeeper is down waits for the reconnect
    const waiting = broker.zk.getData('/brokers/ids/1');
    // ZooKeeper stays down at least the probe's connection timeout: its request waits that long, then fails
    const timedOut = await rejection(probe.zk.getData('/brokers/ids/1'));
    expect(timedOut).toBeInstanceOf(ZooKeeperClientTimeoutError);
    expect(timedOut.code).toBe('CONNECTIONLOSS');
    await server.start();
    const registration = await waiting;
    expect(registration.stat.ephemeralOwner).toBe(session);
    expect(registration.stat.czxid).toBe(epoch);
    await events.waitFor('connected');
    expect(broker.zk.sessionId).toBe(session);
    expect(events.seen.slice(atStop)).toEqual(['disconnected', 'connected']);

    // the watches set before the outage are still there
    await broker.zk.create('/brokers/ids/2', undefined, 'EPHEMERAL');
    await children.waitFor('ids');
    expect(await broker.getSortedBrokerList()).toEqual([1, 2]);
  }, 60_000);
});
