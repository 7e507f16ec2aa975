import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import { Api } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { ErrorCode, errorName } from '../../src/protocol/error-codes.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { BROKER_IDS_PATH, topicPartitionStatePath } from '../../src/zk/zk-data.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { Cleanup } from '../cleanup.js';
import { TestCluster } from './cluster-harness.js';
import { controllerId, PythonStream, partitionState, readAll, replicaProblems, waitForEqualReplicaSizes, waitForIsr, zkReader } from './cluster-probe.js';

const TOPIC = 'handover';
const PARTITIONS = 3;
const BROKERS = [1, 2, 3];
/** The Java producer's retry.backoff.ms: the pause before it refreshes metadata and tries again. */
const RETRY_BACKOFF_MS = 100;

interface ProbeFailure {
  partition: number;
  broker: number;
  error: string;
  /** The partition's leader in ZooKeeper right after the failure. */
  zkLeader: number;
}

/**
 * A client producing one acks=all record at a time to each partition as Kafka's producer
 * does it: to the leader its last metadata names; after an error (NOT_LEADER_OR_FOLLOWER, a
 * lost connection) it waits retry.backoff.ms, refreshes the metadata and tries again. It
 * keeps every failure with the leader ZooKeeper named just after.
 */
class Prober {
  readonly failures: ProbeFailure[] = [];
  acked = 0;
  private stopping = false;
  private readonly loops: Array<Promise<void>>;
  private readonly connections = new Map<number, BrokerConnection>();

  constructor(
    private readonly cluster: TestCluster,
    private readonly zk: KafkaZkClient,
  ) {
    this.loops = Array.from({ length: PARTITIONS }, (_, p) => this.run(p));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    try {
      await Promise.all(this.loops);
    } finally {
      for (const c of this.connections.values()) c.close();
    }
  }

  /** A request on the connection kept to the broker; a failed connection is dropped (the next request opens another). */
  private async request<T>(id: number, send: (c: BrokerConnection) => Promise<T>): Promise<T> {
    let connection = this.connections.get(id);
    if (!connection || connection.state === 'closed') {
      connection = new BrokerConnection(id, '127.0.0.1', this.cluster.port(id), {
        clientId: 'prober',
        requestTimeoutMs: 30_000,
        connectTimeoutMs: 10_000,
        maxInFlight: 1,
        sendBufferBytes: -1,
        receiveBufferBytes: -1,
      });
      this.connections.set(id, connection);
    }
    try {
      return await send(connection);
    } catch (error) {
      connection.close();
      this.connections.delete(id);
      throw error;
    }
  }

  private async run(partition: number): Promise<void> {
    let leader = await this.leader(partition);
    for (let n = 0; !this.stopping; n++) {
      const records = buildRecordBatch([{ key: Buffer.from('probe'), value: Buffer.from(`probe-${partition}-${n}`) }]);
      for (let attempt = 0; ; attempt++) {
        if (attempt > 300) throw new Error(`probe record ${n} of partition ${partition} failed ${attempt} times: ${JSON.stringify(this.failures.slice(-3))}`);
        const error = await this.produce(leader, partition, records);
        if (error === undefined) break;
        this.failures.push({ partition, broker: leader, error, zkLeader: (await partitionState(this.zk, TOPIC, partition)).leader });
        await sleep(RETRY_BACKOFF_MS);
        leader = await this.leader(partition);
      }
      this.acked++;
    }
  }

  private async produce(leader: number, partition: number, records: Buffer): Promise<string | undefined> {
    try {
      const response = await this.request(leader, (c) =>
        c.request(Api.Produce, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 30_000,
          topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
        }),
      );
      const code = response.responses[0]!.partitionResponses[0]!.errorCode;
      return code === ErrorCode.NONE ? undefined : errorName(code);
    } catch (error) {
      return `connection: ${(error as Error).message}`;
    }
  }

  /** The partition's leader as the first running broker that answers Metadata says. */
  private async leader(partition: number): Promise<number> {
    for (;;) {
      for (const id of this.cluster.brokerIds.filter((b) => this.cluster.isRunning(b))) {
        try {
          const md = await this.request(id, (c) =>
            c.request(Api.Metadata, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
          );
          const leader = md.topics[0]?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
          if (leader >= 0) return leader;
        } catch {
          // that broker is going: ask the next
        }
      }
      await sleep(RETRY_BACKOFF_MS);
    }
  }
}

/** The zxid of a state znode's last write. */
async function stateWrittenAt(zk: KafkaZkClient, partition: number): Promise<bigint> {
  return (await zk.zk.getData(topicPartitionStatePath({ topic: TOPIC, partition }))).stat.mzxid;
}

describe('controlled shutdown', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('moves the leaderships of a broker stopped with SIGTERM before it exits, for a broker and for the controller', { timeout: 300_000 }, async () => {
    const cluster = cleanup.add(await TestCluster.start({ brokers: 3 }), (c) => c.close());
    const zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, 'three in-sync replicas');
    const producer = cleanup.add(new PythonStream('produce-load', cluster.bootstrap, TOPIC), (p) => p.kill());
    const prober = new Prober(cluster, zk);
    cleanup.add(prober, (p) => p.stop());
    await producer.progress(200, 'before the shutdowns');

    const states = async () => Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionState(zk, TOPIC, p)));
    const controller = (await controllerId(zk))!;
    const first = (await states()).find((s) => s.leader !== controller)!.leader;

    for (const [target, role] of [
      [first, 'a leader'],
      [controller, 'the controller'],
    ] as const) {
      const led = (await states()).flatMap((s, p) => (s.leader === target ? [p] : []));
      expect(led.length, `${role} (broker ${target}) leads a partition`).toBeGreaterThan(0);
      const failuresBefore = prober.failures.length;
      expect(await cluster.stop(target)).toBe(0);
      expect(cluster.history(target)).toContain(`controlled shutdown of broker ${target} succeeded`);

      // The leaderships moved while the broker was still registered: each state write comes before its registration went.
      const registrationGone = (await zk.zk.getChildren(BROKER_IDS_PATH)).stat.pzxid;
      for (const p of led) {
        expect((await partitionState(zk, TOPIC, p)).leader).not.toBe(target);
        expect(await stateWrittenAt(zk, p), `${role}: ${TOPIC}-${p} ${JSON.stringify(await partitionState(zk, TOPIC, p))}`).toBeLessThan(registrationGone);
      }
      // Clients only ever failed once ZooKeeper named another leader: the old one refused (or went) after handing over.
      for (const f of prober.failures.slice(failuresBefore)) expect(f.zkLeader, JSON.stringify(f)).not.toBe(target);
      await producer.progress(200, `with ${role} stopped`);

      await cluster.startBroker(target);
      await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, `broker ${target} back in every ISR`);
    }

    await producer.progress(200, 'after the shutdowns');
    const produced = await producer.finish();
    await prober.stop();
    expect(producer.errors).toEqual([]);
    expect(produced.unflushed).toBe(0);
    expect(prober.acked).toBeGreaterThan(0);
    expect(
      prober.failures.every((f) => f.error === 'NOT_LEADER_OR_FOLLOWER' || f.error.startsWith('connection:')),
      JSON.stringify(prober.failures),
    ).toBe(true);
    const log = await readAll(cluster.bootstrap, TOPIC, PARTITIONS);
    const stored = new Map(log.map((r) => [`${r.partition}@${r.offset}`, r.value]));
    expect(producer.records.filter((r) => stored.get(`${r.partition}@${r.offset}`) !== r.value)).toEqual([]);
    const values = log.filter((r) => r.key !== 'probe').map((r) => r.value);
    expect(values.length - new Set(values).size).toBe(0);

    // Every replica holds the same bytes, and its leader epochs start where its batches say.
    await waitForEqualReplicaSizes(cluster, BROKERS, TOPIC, PARTITIONS);
    for (const id of BROKERS) expect(await cluster.stop(id)).toBe(0);
    expect(await replicaProblems(cluster, BROKERS, 'file', TOPIC, PARTITIONS)).toEqual([]);
  });
});
