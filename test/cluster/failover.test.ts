import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { Cleanup } from '../cleanup.js';
import { BACKENDS } from '../interop/backends.js';
import { TestCluster, waitUntil } from './cluster-harness.js';
import {
  controllerId,
  type LoadRecord,
  PythonStream,
  partitionState,
  readAll,
  replicaProblems,
  waitForEqualReplicaSizes,
  waitForIsr,
  zkReader,
} from './cluster-probe.js';

const TOPIC = 'load';
const PARTITIONS = 3;
const BROKERS = [1, 2, 3];

const at = (r: LoadRecord) => `${r.partition}@${r.offset}`;

/** The largest offset per partition among the records. */
function lastOffsets(records: readonly LoadRecord[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const r of records) last.set(r.partition, Math.max(last.get(r.partition) ?? -1, r.offset));
  return last;
}

describe.each(BACKENDS)('failover under load on the %s backend', (backend) => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it('keeps every acknowledged record exactly once through the loss of a leader, the controller and a follower', { timeout: 600_000 }, async () => {
    const cluster = cleanup.add(await TestCluster.start({ brokers: 3, backend }), (c) => c.close());
    const zk = cleanup.add(await zkReader(cluster), (z) => z.close());
    const admin = cleanup.add(new Admin({ 'bootstrap.servers': cluster.bootstrap }), (a) => a.close());
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, 'the topic with three in-sync replicas everywhere');

    const consumer = cleanup.add(new PythonStream('consume-load', cluster.bootstrap, TOPIC, String(PARTITIONS)), (c) => c.kill());
    const producer = cleanup.add(new PythonStream('produce-load', cluster.bootstrap, TOPIC), (p) => p.kill());
    await producer.progress(300, 'before any fault');

    /** SIGKILLs the broker, waits for `moved` to hold, for the producer to get on, then restarts it and waits for it in every ISR. */
    const crash = async (id: number, what: string, moved: (zk: KafkaZkClient) => Promise<boolean>) => {
      await cluster.kill(id);
      await waitUntil(() => moved(zk), `${what}: broker ${id} replaced`);
      await producer.progress(300, `with broker ${id} (${what}) down`);
      await cluster.startBroker(id);
      await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, `broker ${id} (${what}) back in every ISR`);
      await producer.progress(300, `after broker ${id} (${what}) came back`);
    };

    const leader = (await partitionState(zk, TOPIC, 0)).leader;
    await crash(leader, 'leader of partition 0', async (z) => {
      const state = await partitionState(z, TOPIC, 0);
      return state.leader >= 0 && state.leader !== leader;
    });

    const controller = (await controllerId(zk))!;
    await crash(controller, 'controller', async (z) => {
      const now = await controllerId(z);
      return now !== undefined && now !== controller;
    });

    const state = await partitionState(zk, TOPIC, 0);
    const follower = BROKERS.find((b) => b !== state.leader)!;
    await crash(follower, 'follower of partition 0', async (z) => !(await partitionState(z, TOPIC, 0)).isr.includes(follower));

    const produced = await producer.finish();
    expect(producer.errors).toEqual([]);
    expect(produced.unflushed).toBe(0);
    const acked = producer.records;
    expect(acked.length).toBe(produced.sent);

    // Every acknowledged record at the offset it was acknowledged with, and no value twice.
    const log = await readAll(cluster.bootstrap, TOPIC, PARTITIONS);
    const byOffset = new Map(log.map((r) => [at(r), r]));
    const missing = acked.filter((r) => {
      const stored = byOffset.get(at(r));
      return !stored || stored.key !== r.key || stored.value !== r.value;
    });
    expect(missing.slice(0, 5)).toEqual([]);
    const values = log.map((r) => r.value);
    expect(values.length - new Set(values).size).toBe(0);

    // The consumer read up to the high watermark throughout: nothing it saw went away.
    const lastAcked = lastOffsets(acked);
    await waitUntil(() => {
      const read = lastOffsets(consumer.records);
      return [...lastAcked].every(([p, o]) => (read.get(p) ?? -1) >= o);
    }, 'the consumer to read up to the last acknowledged records');
    await consumer.finish();
    const vanished = consumer.records.filter((r) => {
      const stored = byOffset.get(at(r));
      return !stored || stored.key !== r.key || stored.value !== r.value;
    });
    expect(vanished.slice(0, 5)).toEqual([]);
    expect(consumer.records.length).toBeGreaterThan(0);

    // The restarted brokers are back in the ISR, and every replica holds the same bytes.
    await waitForIsr(zk, TOPIC, PARTITIONS, BROKERS, 'every broker in every ISR at the end');
    await waitForEqualReplicaSizes(cluster, BROKERS, TOPIC, PARTITIONS);
    for (const id of BROKERS) expect(await cluster.stop(id)).toBe(0);
    expect(await replicaProblems(cluster, BROKERS, backend, TOPIC, PARTITIONS)).toEqual([]);
  });
});
