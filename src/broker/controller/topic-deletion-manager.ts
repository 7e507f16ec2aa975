import { ErrorCode } from '../../protocol/error-codes.js';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { TopicPartition } from '../../zk/zk-data.js';
import type { ControllerLog } from './controller-channel-manager.js';
import { type ControllerContext, tpKey } from './controller-context.js';
import type { ControllerRequestBatch, StopReplicaResponseData } from './controller-request-batch.js';

/**
 * Where one replica of a topic being deleted is (Kafka's replica deletion states): not asked
 * yet, asked (StopReplica with delete sent), deleted, or ineligible (its broker is down or
 * failed to delete it; asked again when the broker starts).
 */
type ReplicaDeletionState = 'pending' | 'started' | 'successful' | 'ineligible';

interface ReplicaDeletion {
  tp: TopicPartition;
  broker: number;
  state: ReplicaDeletionState;
}

/**
 * Topic deletion (Kafka's TopicDeletionManager). A topic queued in /admin/delete_topics is
 * first announced to every broker (UpdateMetadata with leader -2, so they stop serving it),
 * then each replica is told to stop and delete its log (StopReplica with deletePartition);
 * once every replica has answered, the topic's znodes go (/brokers/topics/<t>,
 * /config/topics/<t>, /admin/delete_topics/<t>). A replica on a broker that is down waits
 * for that broker to return, as in Kafka.
 */
export class TopicDeletionManager {
  private readonly replicas = new Map<string, Map<string, ReplicaDeletion>>();
  private readonly announced = new Set<string>();
  private readonly log: ControllerLog;

  constructor(
    private readonly context: ControllerContext,
    private readonly zk: KafkaZkClient,
    private readonly options: {
      /** Stops watching a topic whose znodes are about to go. */
      forgetTopic(topic: string): void;
      /** Whether the topic's deletion may proceed now (not while its partitions are being reassigned). */
      mayDelete(topic: string): boolean;
      log: ControllerLog;
    },
  ) {
    this.log = options.log;
  }

  /** Queues topics the context knows for deletion. */
  enqueue(topics: Iterable<string>): void {
    for (const topic of topics) {
      if (!this.context.hasTopic(topic) || this.replicas.has(topic)) continue;
      this.context.topicsToBeDeleted.add(topic);
      const replicas = new Map<string, ReplicaDeletion>();
      for (const tp of this.context.partitionsOfTopic(topic)) {
        for (const broker of this.context.replicas(tp)) replicas.set(`${tpKey(tp)}@${broker}`, { tp, broker, state: 'pending' });
      }
      this.replicas.set(topic, replicas);
      this.log('info', `topic ${topic} queued for deletion (${replicas.size} replicas)`);
    }
  }

  /** Replicas asked on brokers that died will not answer: they wait for the broker's return. */
  onBrokersFailed(brokerIds: readonly number[]): void {
    for (const r of this.allReplicas()) if (brokerIds.includes(r.broker) && r.state !== 'successful') r.state = 'ineligible';
  }

  /** A broker back: its replicas of deleted topics are asked again (at the next tryDeletion). */
  onBrokersStarted(brokerIds: readonly number[]): void {
    for (const r of this.allReplicas()) if (brokerIds.includes(r.broker) && r.state !== 'successful') r.state = 'pending';
  }

  /** A broker's answer to StopReplica(delete): each partition deleted, or ineligible until the broker starts again. */
  onStopReplicaResponse(brokerId: number, partitions: readonly TopicPartition[], response: StopReplicaResponseData): void {
    const errors = new Map(response.partitionErrors.map((e) => [`${e.topicName}-${e.partitionIndex}`, e.errorCode]));
    for (const tp of partitions) {
      const replica = this.replicas.get(tp.topic)?.get(`${tpKey(tp)}@${brokerId}`);
      if (replica === undefined || replica.state !== 'started') continue;
      const code = response.errorCode !== ErrorCode.NONE ? response.errorCode : (errors.get(tpKey(tp)) ?? ErrorCode.NONE);
      // a broker that never had the partition has nothing to delete
      replica.state = code === ErrorCode.NONE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? 'successful' : 'ineligible';
    }
  }

  /**
   * Moves every queued deletion on: announces new ones, asks the replicas that can be asked,
   * and completes the topics whose replicas are all deleted.
   */
  async tryDeletion(batch: ControllerRequestBatch): Promise<void> {
    for (const [topic, replicas] of [...this.replicas]) {
      if (!this.options.mayDelete(topic)) continue;
      const all = [...replicas.values()];
      if (all.every((r) => r.state === 'successful')) {
        await this.complete(topic);
        continue;
      }
      if (!this.announced.has(topic)) {
        batch.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), this.context.partitionsOfTopic(topic));
        this.announced.add(topic);
      }
      for (const r of all) {
        if (r.state !== 'pending') continue;
        if (this.context.isLive(r.broker, true)) {
          batch.addStopReplica([r.broker], r.tp, true);
          r.state = 'started';
        } else {
          r.state = 'ineligible';
        }
      }
      const waiting = [...new Set(all.filter((r) => r.state === 'ineligible').map((r) => r.broker))];
      if (waiting.length > 0) this.log('info', `deletion of topic ${topic} waits for brokers ${waiting.join(',')}`);
    }
  }

  isQueued(topic: string): boolean {
    return this.replicas.has(topic);
  }

  /** Forgets every deletion (resignation; the next controller reads them from /admin/delete_topics). */
  reset(): void {
    this.replicas.clear();
    this.announced.clear();
  }

  private async complete(topic: string): Promise<void> {
    this.options.forgetTopic(topic);
    const version = this.context.epochZkVersion;
    await this.zk.deleteTopicZNode(topic, version);
    await this.zk.deleteTopicConfigs([topic], version);
    await this.zk.deleteTopicDeletions([topic], version);
    this.context.removeTopic(topic);
    this.replicas.delete(topic);
    this.announced.delete(topic);
    this.log('info', `topic ${topic} deleted`);
  }

  private *allReplicas(): IterableIterator<ReplicaDeletion> {
    for (const replicas of this.replicas.values()) yield* replicas.values();
  }
}
