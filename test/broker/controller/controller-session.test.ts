import { afterEach, describe, expect, it } from 'vitest';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { startTcpProxy } from '../../cluster/tcp-proxy.js';
import { startZooKeeper } from '../../cluster/zookeeper-server.js';
import { eventually } from './cluster-fixture.js';
import { FakeBroker, leaderAndIsrStates } from './fake-broker.js';

// A controller whose ZooKeeper session expires behind a network partition: it stops acting,
// another broker's controller takes over, and it comes back as a follower of that one.
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('KafkaController and ZooKeeper sessions', () => {
  it('a controller cut off until its session expires stops acting; another takes over and the old one follows it in its new session', async () => {
    const server = await startZooKeeper();
    cleanups.push(() => server.close());
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const observer = await KafkaZkClient.connect({ 'zookeeper.connect': `${server.connectString}/cluster` });
    cleanups.push(() => observer.close());
    const start = async (id: number, connect: string, zkSettings: Record<string, unknown> = {}) => {
      const broker = await FakeBroker.start({ connect, id, controller: true, zkSettings });
      cleanups.push(() => broker.close());
      return broker;
    };
    // broker 1 reaches ZooKeeper through the proxy; broker 2 directly
    const b1 = await start(1, `127.0.0.1:${proxy.port}/cluster`, { 'zookeeper.session.timeout.ms': 4000, 'zookeeper.connection.timeout.ms': 20_000 });
    const b2 = await start(2, `${server.connectString}/cluster`);
    expect(b1.controller!.isActive).toBe(true);
    const firstEpoch = b1.controller!.epoch;
    await observer.createTopicAssignment('t', Buffer.alloc(16, 7), new Map([[0, [1, 2]]]));
    await eventually('t-0 led by broker 1', async () => (await observer.getTopicPartitionState({ topic: 't', partition: 0 }))?.leaderAndIsr.leader === 1);

    proxy.pause();
    // the server expires broker 1's session: /controller and its registration go, broker 2 takes over
    await eventually('broker 2 is the controller', () => b2.controller!.isActive, 30_000);
    expect(b2.controller!.epoch).toBe(firstEpoch + 1);
    const state = await eventually('t-0 led by broker 2', async () => {
      const s = await observer.getTopicPartitionState({ topic: 't', partition: 0 });
      return s?.leaderAndIsr.leader === 2 ? s : undefined;
    });
    expect(state).toMatchObject({ controllerEpoch: firstEpoch + 1, leaderAndIsr: { leaderEpoch: 1, isr: [2] } });
    const cutOff = b2.received.length;

    proxy.resume();
    // broker 1 learns its session expired: it resigns, registers again and follows broker 2
    await eventually('broker 1 follows broker 2', () => !b1.controller!.isActive && b1.controller!.activeController === 2, 30_000);
    expect(b1.controller!.epoch).toBe(0);
    const told = await b1.waitFor('LeaderAndIsr', (r) => r.body.controllerId === 2 && leaderAndIsrStates(r).some((s) => s.topicName === 't'));
    expect(told.body.controllerEpoch).toBe(firstEpoch + 1);
    expect(leaderAndIsrStates(told)[0]).toMatchObject({ leader: 2, leaderEpoch: 1 });
    expect(await observer.getControllerId()).toBe(2);
    // nothing came from broker 1's controller after it was cut off
    expect(b2.received.slice(cutOff).filter((r) => r.body.controllerId === 1)).toEqual([]);
    expect((await observer.readControllerEpoch())!.epoch).toBe(firstEpoch + 1);
  }, 90_000);
});
