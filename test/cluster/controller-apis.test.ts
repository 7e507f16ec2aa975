import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, type Admin as KafkaJsAdmin, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { Settled, TopicPartitionInfo } from '../../src/clients/admin/types.js';
import {
  ElectionNotNeededError,
  EligibleLeadersNotAvailableError,
  InvalidReplicaAssignmentError,
  NoReassignmentInProgressError,
  PreferredLeaderNotAvailableError,
  UnknownTopicOrPartitionError,
} from '../../src/clients/network/errors.js';
import { Producer } from '../../src/clients/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { RawClient } from '../broker/raw-client.js';
import { TestCluster, waitUntil } from './cluster-harness.js';

// ElectLeaders and the partition reassignment APIs over the wire, against real clusters
// (a ZooKeeper and three broker processes). kafka-python's admin (2.0.2, Debian's) has no
// election or reassignment calls, so samsa's Admin drives them, and KafkaJS's admin the
// reassignments it supports (it cannot cancel one).

/** The error of a failed item (the test fails if the item succeeded). */
function errorOf(outcome: Settled<unknown> | undefined): Error {
  if (!outcome || outcome.ok) throw new Error(`expected a failed item, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

async function partitionOf(admin: Admin, topic: string, partition: number): Promise<TopicPartitionInfo> {
  const [described] = await admin.describeTopics([topic]);
  return described!.partitions.find((p) => p.partition === partition)!;
}

/** The controller's id, once the brokers know it (a cluster just started may not yet). */
async function controllerOf(admin: Admin): Promise<number> {
  let id = -1;
  await waitUntil(async () => {
    id = (await admin.describeCluster()).controller?.id ?? -1;
    return id >= 0;
  }, 'a controller');
  return id;
}

/** Sends `count` records to partition 0 of the topic (acks=all) and waits for every acknowledgement. */
async function produce(bootstrap: string, topic: string, prefix: string, count: number): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 5 });
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) => producer.send({ topic, partition: 0, key: `${prefix}-${i}`, value: `${prefix}-${i}-${'x'.repeat(200)}` })),
    );
  } finally {
    await producer.close();
  }
}

async function endOffset(admin: Admin, topic: string): Promise<number> {
  return (await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]))[0]!.offset;
}

/** The segment files (.log) of a partition's replica on a broker, by name. */
function segments(cluster: TestCluster, broker: number, dir: string): Map<string, Buffer> {
  const path = join(cluster.dir(broker), dir);
  return new Map(
    readdirSync(path)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => [f, readFileSync(join(path, f))]),
  );
}

const sorted = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);

describe('ElectLeaders on a three-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;

  beforeAll(async () => {
    // auto.leader.rebalance.enable=false (FAST_CLUSTER): leaders move back only when asked
    cluster = await TestCluster.start({ brokers: 3 });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.close();
  });

  it('a preferred election moves leadership back to the first replica after it restarted; only the controller answers', { timeout: 180_000 }, async () => {
    const controller = await controllerOf(admin);
    const [preferred, other] = cluster.brokerIds.filter((id) => id !== controller) as [number, number];
    const tp = { topic: 'pref', partition: 0 };
    await admin.createTopics([{ name: 'pref', replicasAssignments: { 0: [preferred, other, controller] } }]);
    await waitUntil(async () => (await partitionOf(admin, 'pref', 0)).isr.length === 3, 'three in-sync replicas');
    await produce(cluster.bootstrap, 'pref', 'before', 300);

    // a controlled shutdown moves the leadership to the next in-sync replica; the restarted broker catches up
    await cluster.stop(preferred);
    await waitUntil(async () => (await partitionOf(admin, 'pref', 0)).leader?.id === other, `broker ${other} leading`);
    await produce(cluster.bootstrap, 'pref', 'while-down', 300);
    await cluster.startBroker(preferred);
    await waitUntil(async () => (await partitionOf(admin, 'pref', 0)).isr.includes(preferred), `broker ${preferred} back in the ISR`);
    expect((await partitionOf(admin, 'pref', 0)).leader?.id).toBe(other);

    // a broker that is not the controller refuses, so that clients go to the controller
    const raw = await RawClient.connect(cluster.port(other));
    try {
      const refused = await raw.request('ElectLeaders', 2, { electionType: 0, topicPartitions: [{ topic: 'pref', partitions: [0] }], timeoutMs: 10_000 });
      expect(refused.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
      expect(refused.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    } finally {
      raw.close();
    }

    expect(await admin.electLeaders('preferred', [tp])).toEqual([tp]);
    // the controller answered once its own metadata showed the new leader
    const atController = await RawClient.connect(cluster.port(controller));
    try {
      const md = await atController.request('Metadata', 12, {
        topics: [{ topicId: Buffer.alloc(16), name: 'pref' }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      expect(md.topics[0].partitions[0].leaderId).toBe(preferred);
    } finally {
      atController.close();
    }
    await waitUntil(async () => (await partitionOf(admin, 'pref', 0)).leader?.id === preferred, `every broker showing broker ${preferred} leading`);
    expect(sorted((await partitionOf(admin, 'pref', 0)).isr)).toEqual(sorted(cluster.brokerIds));

    const [again] = await admin.electLeaders('preferred', [tp]).settled();
    expect(errorOf(again)).toBeInstanceOf(ElectionNotNeededError);
    const [unknown] = await admin.electLeaders('preferred', [{ topic: 'pref', partition: 5 }]).settled();
    expect(errorOf(unknown)).toBeInstanceOf(UnknownTopicOrPartitionError);
    // every partition: this one needs no election any more
    expect((await admin.electLeaders('preferred', null).settled()).filter((s) => s.ok && s.value.topic === 'pref')).toEqual([]);

    // nothing was lost, and the new leader takes records
    expect(await endOffset(admin, 'pref')).toBe(600);
    await produce(cluster.bootstrap, 'pref', 'after', 100);
    expect(await endOffset(admin, 'pref')).toBe(700);
  });

  it('an unclean election brings back a partition whose in-sync replicas are all down, on a replica that missed records', { timeout: 180_000 }, async () => {
    const controller = await controllerOf(admin);
    const [first, second] = cluster.brokerIds.filter((id) => id !== controller) as [number, number];
    const tp = { topic: 'unclean', partition: 0 };
    await admin.createTopics([{ name: 'unclean', replicasAssignments: { 0: [first, second] } }]);
    await waitUntil(async () => (await partitionOf(admin, 'unclean', 0)).isr.length === 2, 'two in-sync replicas');
    await produce(cluster.bootstrap, 'unclean', 'both', 200);
    const [healthy] = await admin.electLeaders('unclean', [tp]).settled();
    expect(errorOf(healthy)).toBeInstanceOf(ElectionNotNeededError);

    // the follower dies and leaves the ISR; the leader takes records alone, then dies too
    await cluster.kill(second);
    await waitUntil(async () => (await partitionOf(admin, 'unclean', 0)).isr.join() === String(first), `broker ${first} alone in the ISR`);
    await produce(cluster.bootstrap, 'unclean', 'only-first', 100);
    await cluster.kill(first);
    await waitUntil(async () => (await partitionOf(admin, 'unclean', 0)).leader === null, 'the partition offline');
    const [nobody] = await admin.electLeaders('unclean', [tp]).settled();
    expect(errorOf(nobody)).toBeInstanceOf(EligibleLeadersNotAvailableError);

    // the out-of-sync replica returns: unclean.leader.election.enable=false keeps the partition offline
    await cluster.startBroker(second);
    await waitUntil(async () => (await admin.describeCluster()).nodes.some((n) => n.id === second), `broker ${second} registered`);
    expect((await partitionOf(admin, 'unclean', 0)).leader).toBeNull();
    const [notPreferred] = await admin.electLeaders('preferred', [tp]).settled();
    expect(errorOf(notPreferred)).toBeInstanceOf(PreferredLeaderNotAvailableError);

    // an admin may ask for it anyway
    expect(await admin.electLeaders('unclean', [tp])).toEqual([tp]);
    await waitUntil(async () => (await partitionOf(admin, 'unclean', 0)).leader?.id === second, `broker ${second} leading`);
    expect((await partitionOf(admin, 'unclean', 0)).isr).toEqual([second]);
    // what only the dead leader had is lost, as an unclean election loses it (the new leader's high watermark reaches its log end)
    await waitUntil(async () => (await endOffset(admin, 'unclean')) >= 200, 'the high watermark at the log end');
    expect(await endOffset(admin, 'unclean')).toBe(200);
    await produce(cluster.bootstrap, 'unclean', 'after', 50);
    expect(await endOffset(admin, 'unclean')).toBe(250);
  });
});

describe('partition reassignments on a three-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;
  let kafkajs: KafkaJsAdmin | undefined;
  let paused: number | undefined;

  beforeAll(async () => {
    // a paused broker keeps its registration while paused (the tests pause one for a few seconds)
    cluster = await TestCluster.start({ brokers: 3, settings: { 'zookeeper.session.timeout.ms': '30000' } });
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  }, 120_000);

  afterEach(async () => {
    if (paused !== undefined && cluster.isRunning(paused)) cluster.resume(paused);
    paused = undefined;
    await kafkajs?.disconnect();
    kafkajs = undefined;
  });

  afterAll(async () => {
    await admin?.close();
    await cluster?.close();
  });

  /**
   * The brokers of a move of [from, stays] to [stays, to]: `from` (the leader, paused to hold
   * the reassignment in progress) is not the controller, so the controller keeps answering.
   */
  async function roles(): Promise<{ from: number; stays: number; to: number }> {
    const controller = await controllerOf(admin);
    const from = cluster.brokerIds.find((id) => id !== controller)!;
    const [stays, to] = cluster.brokerIds.filter((id) => id !== from) as [number, number];
    return { from, stays, to };
  }

  /** Pauses the broker; until resumed, only the controller is asked anything (its connection and the metadata are ready). */
  async function pause(id: number): Promise<void> {
    await admin.listPartitionReassignments();
    cluster.pause(id);
    paused = id;
  }

  function resume(): void {
    cluster.resume(paused!);
    paused = undefined;
  }

  it("a reassignment from [1,2] to [2,3] copies the data byte for byte, is listed while in progress, and deletes the old replica's log", {
    timeout: 180_000,
  }, async () => {
    const { from, stays, to } = await roles();
    await admin.createTopics([{ name: 'moving', replicasAssignments: { 0: [from, stays] } }]);
    await waitUntil(async () => (await partitionOf(admin, 'moving', 0)).isr.length === 2, 'two in-sync replicas');
    await produce(cluster.bootstrap, 'moving', 'moved', 2000);
    const original = segments(cluster, from, 'moving-0');
    expect(original.size).toBeGreaterThan(0);

    // KafkaJS (a real client) asks for the move, through a broker that is not paused
    kafkajs = new Kafka({ clientId: 'reassign', brokers: [`127.0.0.1:${cluster.port(stays)}`], logLevel: logLevel.NOTHING }).admin();
    await kafkajs.connect();
    // the leader paused: the new replica cannot catch up, the reassignment stays in progress
    await pause(from);
    await kafkajs.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [stays, to] }] }] });
    await waitUntil(() => existsSync(join(cluster.dir(to), 'moving-0')), `broker ${to} following`);
    const inProgress = { topic: 'moving', partition: 0, replicas: [stays, to, from], addingReplicas: [to], removingReplicas: [from] };
    expect(await admin.listPartitionReassignments()).toEqual([inProgress]);
    expect(
      await admin.listPartitionReassignments([
        { topic: 'moving', partition: 0 },
        { topic: 'moving', partition: 1 },
      ]),
    ).toEqual([inProgress]);
    const listed = await kafkajs.listPartitionReassignments({ topics: [{ topic: 'moving', partitions: [0] }] });
    expect(listed.topics).toEqual([
      { name: 'moving', partitions: [{ partition: 0, replicas: [stays, to, from], addingReplicas: [to], removingReplicas: [from] }] },
    ]);
    resume();

    await waitUntil(async () => (await admin.listPartitionReassignments()).length === 0, 'the reassignment completed');
    await waitUntil(async () => {
      const p = await partitionOf(admin, 'moving', 0);
      return p.replicas.join() === `${stays},${to}` && p.leader?.id === stays && sorted(p.isr).join() === sorted([stays, to]).join();
    }, `broker ${stays} leading replicas ${stays},${to}`);
    await waitUntil(() => !existsSync(join(cluster.dir(from), 'moving-0')), `broker ${from}'s log deleted`);
    expect(segments(cluster, to, 'moving-0')).toEqual(original);
    expect(segments(cluster, stays, 'moving-0')).toEqual(original);
    expect(await endOffset(admin, 'moving')).toBe(2000);
    // The controller logs the move: what, from where to where, and how long it took.
    const log = cluster.brokerIds.map((id) => cluster.history(id)).join('\n');
    expect(log).toContain(`reassigning moving-0 from ${from},${stays} to ${stays},${to}`);
    expect(log).toMatch(new RegExp(`reassignment of moving-0 to ${stays},${to} completed in \\d+ ms \\(0 partitions still moving\\)`));
  });

  it('a cancellation restores the original replicas and deletes the copy being added; invalid targets are refused', { timeout: 180_000 }, async () => {
    const { from, stays, to } = await roles();
    const tp = { topic: 'cancelled', partition: 0 };
    await admin.createTopics([{ name: 'cancelled', replicasAssignments: { 0: [from, stays] } }]);
    await waitUntil(async () => (await partitionOf(admin, 'cancelled', 0)).isr.length === 2, 'two in-sync replicas');
    await produce(cluster.bootstrap, 'cancelled', 'kept', 100);

    await pause(from);
    expect(await admin.alterPartitionReassignments(new Map([[tp, { targetReplicas: [stays, to] }]]))).toEqual([undefined]);
    await waitUntil(() => existsSync(join(cluster.dir(to), 'cancelled-0')), `broker ${to} following`);
    expect(await admin.listPartitionReassignments()).toEqual([{ ...tp, replicas: [stays, to, from], addingReplicas: [to], removingReplicas: [from] }]);
    expect(await admin.alterPartitionReassignments(new Map([[tp, null]]))).toEqual([undefined]);
    expect(await admin.listPartitionReassignments()).toEqual([]);
    resume();

    // the original replicas, in the order the reassignment listed them (Kafka's originReplicas)
    await waitUntil(async () => {
      const p = await partitionOf(admin, 'cancelled', 0);
      return p.replicas.join() === `${stays},${from}` && p.leader?.id === from && p.isr.length === 2;
    }, `replicas ${stays},${from} led by broker ${from}`);
    await waitUntil(() => !existsSync(join(cluster.dir(to), 'cancelled-0')), `broker ${to}'s copy deleted`);
    expect(await endOffset(admin, 'cancelled')).toBe(100);

    const refused = await admin
      .alterPartitionReassignments(
        new Map([
          [tp, null],
          [{ topic: 'cancelled', partition: 1 }, { targetReplicas: [stays] }],
          [{ topic: 'moving-nowhere', partition: 0 }, { targetReplicas: [to, 99] }],
        ]),
      )
      .settled();
    expect(errorOf(refused[0])).toBeInstanceOf(NoReassignmentInProgressError);
    expect(errorOf(refused[1])).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(errorOf(refused[2])).toBeInstanceOf(InvalidReplicaAssignmentError);
    for (const target of [[], [stays, stays], [stays, 99]]) {
      const [outcome] = await admin.alterPartitionReassignments(new Map([[tp, { targetReplicas: target }]])).settled();
      expect(errorOf(outcome)).toBeInstanceOf(InvalidReplicaAssignmentError);
    }
    // Refused, so nothing started: the controller lists no reassignment, and every broker's metadata
    // (describeTopics asks any of them; one may still be applying the cancellation above) shows the original replicas.
    expect(await admin.listPartitionReassignments()).toEqual([]);
    await waitUntil(async () => (await partitionOf(admin, 'cancelled', 0)).replicas.join() === `${stays},${from}`, 'the original replicas');
  });
});
