import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { KafkaError } from '../../../src/protocol/error-codes.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import type { LeaderIsrAndControllerEpoch } from '../../../src/zk/zk-data.js';
import type { ZooKeeperFixture } from '../../zk/fixture.js';
import { FakeBroker, type FakeBrokerOptions, leaderAndIsrStates } from './fake-broker.js';

/** Polls `check` until it returns something other than undefined/false (state, not time: each poll reads it again). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A cluster of fake brokers in one chroot of the file's ZooKeeper, and an observer session reading it. */
export class TestCluster {
  readonly brokers = new Map<number, FakeBroker>();

  private constructor(
    private readonly fx: ZooKeeperFixture,
    readonly connect: string,
    readonly observer: KafkaZkClient,
  ) {}

  static async create(fx: ZooKeeperFixture): Promise<TestCluster> {
    const connect = `${fx.server.connectString}${fx.chroot()}`;
    const observer = fx.track(await KafkaZkClient.connect({ 'zookeeper.connect': connect }));
    await observer.createTopLevelPaths();
    return new TestCluster(fx, connect, observer);
  }

  async start(id: number, options: Partial<FakeBrokerOptions> = {}): Promise<FakeBroker> {
    const broker = this.fx.track(await FakeBroker.start({ connect: this.connect, id, ...options }));
    this.brokers.set(id, broker);
    return broker;
  }

  broker(id: number): FakeBroker {
    return this.brokers.get(id)!;
  }

  /** The active controller among the brokers. */
  activeController(): FakeBroker | undefined {
    return [...this.brokers.values()].find((b) => b.controller?.isActive);
  }

  /** Writes /brokers/topics/<topic> as CreateTopics would; returns the topic id. */
  async createTopic(topic: string, assignment: Record<number, number[]>): Promise<Buffer> {
    const topicId = randomBytes(16);
    await this.observer.createTopicAssignment(topic, topicId, new Map(Object.entries(assignment).map(([p, r]) => [Number(p), r])));
    return topicId;
  }

  state(topic: string, partition: number): Promise<LeaderIsrAndControllerEpoch | undefined> {
    return this.observer.getTopicPartitionState({ topic, partition });
  }

  /** Waits until the partition's state znode satisfies `match`. */
  waitForState(topic: string, partition: number, match: (s: LeaderIsrAndControllerEpoch) => boolean): Promise<LeaderIsrAndControllerEpoch> {
    return eventually(`${topic}-${partition}'s state`, async () => {
      const state = await this.state(topic, partition);
      return state !== undefined && match(state) ? state : undefined;
    });
  }

  /** What every broker has received so far (to look only at what comes after). */
  marks(): Map<number, number> {
    return new Map([...this.brokers].map(([id, b]) => [id, b.received.length]));
  }
}

/** The LeaderAndIsr states for `topic` a broker received after `from`, each with its request. */
export function leaderAndIsrFor(broker: FakeBroker, topic: string, from = 0) {
  return broker.received.slice(from).flatMap((r) =>
    r.api === 'LeaderAndIsr'
      ? leaderAndIsrStates(r)
          .filter((s) => s.topicName === topic)
          .map((s) => ({ ...s, request: r }))
      : [],
  );
}

/** The KafkaError a call failed with (the test fails if it did not fail so). */
export async function kafkaErrorOf(promise: Promise<unknown>): Promise<KafkaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaError);
  return error as KafkaError;
}
