import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { CoordinatorKeyType, coordinatorOf, findCoordinatorBody } from '../../src/clients/network/find-coordinator.js';
import { Producer } from '../../src/clients/producer/producer.js';
import type { RecordMetadata } from '../../src/clients/producer/producer-record.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, startBrokerProcess } from '../broker/broker-process.js';
import { type FaultProxy, startFaultProxy } from '../clients/fault-proxy.js';
import { readValues, waitForDecidedTransactions } from '../clients/read-partitions.js';
import { waitFor } from '../wait-for.js';
import { FAST_CLUSTER, waitUntil } from './cluster-harness.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from './zookeeper-server.js';

/** One broker of the cluster, advertising a fault proxy in front of it so clients' and brokers' connections to it can lose answers. */
interface Member {
  readonly id: number;
  readonly port: number;
  readonly proxy: FaultProxy;
  process: BrokerProcess | undefined;
}

describe('samsa’s idempotent and transactional producer on a three-broker cluster', () => {
  let zk: ZooKeeperServer;
  let root: string;
  const members: Member[] = [];
  let admin: Admin;
  const bootstrap = () => members.map((m) => `127.0.0.1:${m.proxy.port}`).join(',');
  const start = async (m: Member) => {
    m.process = await startBrokerProcess(
      join(root, `broker-${m.id}`),
      {
        ...FAST_CLUSTER,
        'broker.id': String(m.id),
        listeners: `PLAINTEXT://127.0.0.1:${m.port}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${m.proxy.port}`,
        'zookeeper.connect': `${zk.connectString}/samsa`,
        'transaction.state.log.num.partitions': '3',
      },
      60_000,
    );
  };

  beforeAll(async () => {
    zk = await startZooKeeper();
    root = mkdtempSync(join(tmpdir(), 'samsa-idempotent-cluster-'));
    for (const id of [1, 2, 3]) {
      const port = await freePort();
      members.push({ id, port, proxy: await startFaultProxy(port, await freePort()), process: undefined });
    }
    await Promise.all(members.map((m) => start(m)));
    admin = new Admin({ 'bootstrap.servers': bootstrap() });
    await waitUntil(async () => (await admin.describeCluster()).nodes.length === 3, 'every broker to be registered');
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    for (const m of members) {
      m.process?.kill();
      await m.proxy.close();
    }
    await zk?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const leaderOf = async (topic: string, partition: number) =>
    (await admin.describeTopics([topic]))[0]!.partitions.find((p) => p.partition === partition)!.leader?.id ?? -1;

  it('a leader SIGKILLed after appending a batch whose answer was lost: the retry to the new leader is written once, nothing is lost; without idempotence it is written twice', {
    timeout: 240_000,
  }, async () => {
    for (const idempotent of [true, false]) {
      const topic = `orders-${idempotent ? 'idempotent' : 'plain'}`;
      await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
      const live = members.filter((m) => m.process !== undefined).length;
      await waitUntil(
        async () => (await admin.describeTopics([topic]))[0]!.partitions.every((p) => p.isr.length === live && p.leader !== null),
        'both partitions with every live replica in sync',
      );
      const producer = new Producer({
        'bootstrap.servers': bootstrap(),
        'enable.idempotence': idempotent,
        acks: 'all',
        'linger.ms': 2,
        'batch.size': 4000,
        'retry.backoff.ms': 50,
        'reconnect.backoff.ms': 20,
        'reconnect.backoff.max.ms': 200,
        'request.timeout.ms': 10_000,
      });
      try {
        let acked = 0;
        let sent = 0;
        const futures: Array<Promise<RecordMetadata>> = [];
        const send = (count: number) => {
          for (const end = sent + count; sent < end; sent++) {
            const i = sent;
            futures.push(producer.send({ topic, partition: i % 2, value: `order-${i}` }, (error) => (error ? undefined : acked++)));
          }
        };
        send(1000);
        await waitFor(() => acked >= 500, 'records to be acknowledged', 60_000);
        // The leader of partition 0 answers a Produce it has committed (acks=all: every in-sync replica
        // has the batch), the answer is lost, and the leader is cut off and killed.
        const victim = members[(await leaderOf(topic, 0)) - 1]!;
        const led: number[] = [0];
        if ((await leaderOf(topic, 1)) === victim.id) led.push(1);
        const droppedBefore = victim.proxy.dropped(Api.Produce.key);
        victim.proxy.dropResponses(Api.Produce.key, 1, true);
        while (victim.proxy.dropped(Api.Produce.key) === droppedBefore) {
          send(20);
          await new Promise((r) => setTimeout(r, 5)); // pacing the stream, not a synchronisation
        }
        await victim.process!.stop('SIGKILL');
        victim.process = undefined;
        send(1000);
        await Promise.all(futures);
        expect(await leaderOf(topic, 0)).not.toBe(victim.id);
        await producer.close();
        const stored = await readValues(bootstrap(), topic, 2);
        for (const p of [0, 1]) {
          const expected = Array.from({ length: sent }, (_, i) => i)
            .filter((i) => i % 2 === p)
            .map((i) => `order-${i}`);
          if (idempotent || !led.includes(p)) expect(stored[p]).toEqual(expected);
          else expect([...new Set(stored[p])]).toEqual(expected);
        }
        // Without idempotence the batch whose answer was lost is stored twice.
        if (!idempotent) expect(stored[0]!.length + stored[1]!.length).toBeGreaterThan(sent);
      } finally {
        await producer.close(0);
      }
      // The killed broker comes back for the next round.
      const killed = members.find((m) => m.process === undefined)!;
      killed.proxy.blackhole(false);
      await start(killed);
      await waitUntil(async () => (await admin.describeCluster()).nodes.length === 3, 'the restarted broker to be registered');
    }
  });
  /** The broker coordinating a transactional id, asked of a live broker. */
  async function coordinatorOfId(transactionalId: string): Promise<number> {
    const live = members.find((m) => m.process !== undefined)!;
    const connection = new BrokerConnection(-1, '127.0.0.1', live.proxy.port, {
      clientId: 'test',
      requestTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      maxInFlight: 1,
      sendBufferBytes: -1,
      receiveBufferBytes: -1,
    });
    try {
      const c = coordinatorOf(await connection.request(Api.FindCoordinator, findCoordinatorBody(CoordinatorKeyType.TRANSACTION, transactionalId)));
      if (c.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator answered ${c.errorCode}`);
      return c.nodeId;
    } finally {
      connection.close();
    }
  }

  it('the transaction coordinator’s broker SIGKILLed mid-transaction: the producer finds the new coordinator and commits; read_committed sees every record once', {
    timeout: 240_000,
  }, async () => {
    const topic = 'moving-coordinator';
    await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitUntil(
      async () => (await admin.describeTopics([topic]))[0]!.partitions.every((p) => p.isr.length === 3 && p.leader !== null),
      'both partitions with three in-sync replicas',
    );
    const producer = new Producer({
      'bootstrap.servers': bootstrap(),
      'transactional.id': 'moving',
      'linger.ms': 2,
      'retry.backoff.ms': 50,
      'reconnect.backoff.ms': 20,
      'reconnect.backoff.max.ms': 200,
      'request.timeout.ms': 10_000,
    });
    try {
      await producer.initTransactions();
      producer.beginTransaction();
      await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, partition: i % 2, value: `first-${i}` })));
      const coordinator = await coordinatorOfId('moving');
      const victim = members[coordinator - 1]!;
      await victim.process!.stop('SIGKILL');
      victim.process = undefined;
      for (let i = 0; i < 100; i++) producer.send({ topic, partition: i % 2, value: `second-${i}` });
      await producer.commitTransaction();
      expect(await coordinatorOfId('moving')).not.toBe(coordinator);
      await waitForDecidedTransactions(bootstrap(), topic, 2);
      const stored = await readValues(bootstrap(), topic, 2, { 'isolation.level': 'read_committed' });
      for (const p of [0, 1]) {
        const mine = (prefix: string) => Array.from({ length: 50 }, (_, k) => `${prefix}-${k * 2 + p}`);
        expect(stored[p]).toEqual([...mine('first'), ...mine('second')]);
      }
      await producer.close();
      await start(victim);
      await waitUntil(async () => (await admin.describeCluster()).nodes.length === 3, 'the restarted broker to be registered');
    } finally {
      await producer.close(0);
    }
  });
});
