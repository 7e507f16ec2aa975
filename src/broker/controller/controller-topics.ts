import { randomUUID } from 'node:crypto';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { type TopicAssignment, type TopicPartition, topicPath, ZkDataError } from '../../zk/zk-data.js';
import type { ControllerLog } from './controller-channel-manager.js';
import { type ControllerContext, tpKey } from './controller-context.js';
import type { ControllerRequestBatch } from './controller-request-batch.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion-manager.js';

export interface ControllerTopicsOptions {
  /** delete.topic.enable */
  deleteTopicEnable: boolean;
  /** A watched topic's znode changed (its partitions may have grown). */
  onTopicChanged(topic: string): void;
  log: ControllerLog;
}

/**
 * The controller's side of topics: /brokers/topics read into the context (each topic's
 * znode watched, an id given to a topic written without one, as Kafka 2.8+ does), new
 * topics and partitions given their first leader and ISR, topics whose znode vanished
 * forgotten, and /admin/delete_topics handed to the deletion manager.
 */
export class ControllerTopics {
  private readonly watched = new Set<string>();

  constructor(
    private readonly context: ControllerContext,
    private readonly zk: KafkaZkClient,
    private readonly partitions: PartitionStateMachine,
    private readonly deletions: TopicDeletionManager,
    private readonly options: ControllerTopicsOptions,
  ) {}

  /**
   * Reads the topics' assignments and their partitions' states into the context and watches
   * each topic's znode; returns their partitions. A topic whose znode cannot be read as
   * Kafka writes it is left out (logged), not allowed to stop the controller.
   */
  async load(topics: readonly string[]): Promise<TopicPartition[]> {
    const partitions: TopicPartition[] = [];
    for (const topic of topics) {
      this.watch(topic);
      let assignment: TopicAssignment | undefined;
      try {
        assignment = await this.zk.getTopicAssignment(topic);
      } catch (error) {
        if (!(error instanceof ZkDataError)) throw error;
        this.log('error', `topic ${topic} skipped: ${error.message}`);
        assignment = undefined;
      }
      if (assignment === undefined) {
        this.unwatch(topic);
        continue;
      }
      let topicId = assignment.topicId;
      if (topicId === null) {
        topicId = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
        await this.zk.setTopicAssignment(topic, topicId, assignment.partitions, this.context.epochZkVersion);
      }
      this.context.addTopic(topic, topicId, assignment.partitions);
      partitions.push(...this.context.partitionsOfTopic(topic));
    }
    await this.readStates(partitions);
    return partitions;
  }

  /** /brokers/topics changed: new topics get their partitions' first states; vanished ones are forgotten. */
  async onTopicChange(batch: ControllerRequestBatch): Promise<void> {
    const topics = new Set(await this.zk.getAllTopicsInCluster());
    for (const topic of this.context.allTopics()) {
      if (topics.has(topic)) continue;
      // removed without the deletion protocol: forget it
      this.unwatch(topic);
      this.context.removeTopic(topic);
    }
    const added = [...topics].filter((t) => !this.context.hasTopic(t));
    if (added.length === 0) return;
    this.log('info', `new topics ${added.join(',')}`);
    const partitions = await this.load(added);
    this.logFailures(await this.partitions.initializeNewPartitions(partitions, batch));
  }

  /** A topic's znode changed: partitions it gained get their first states (one removed is kept, as in Kafka). */
  async onPartitionModifications(topic: string, batch: ControllerRequestBatch): Promise<void> {
    if (!this.context.hasTopic(topic)) return;
    if (this.context.isTopicQueuedForDeletion(topic)) {
      this.log('info', `topic ${topic} changed while being deleted; ignored`);
      return;
    }
    const assignment = await this.zk.getTopicAssignment(topic);
    if (assignment === undefined) return;
    const known = new Set(this.context.partitionIds(topic));
    const added = new Map([...assignment.partitions].filter(([p]) => !known.has(p)));
    const missing = [...known].filter((p) => !assignment.partitions.has(p));
    if (missing.length > 0) this.log('error', `partitions ${missing.join(',')} of topic ${topic} left its znode; they are kept`);
    if (added.size === 0) return;
    this.context.addTopic(topic, assignment.topicId ?? this.context.topicId(topic)!, added);
    const tps = [...added.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
    this.log('info', `new partitions ${tps.map(tpKey).join(',')}`);
    this.logFailures(await this.partitions.initializeNewPartitions(tps, batch));
  }

  /** /admin/delete_topics changed: queue what it names and move every deletion on. */
  async onTopicDeletion(batch: ControllerRequestBatch): Promise<void> {
    await this.startDeletions(await this.zk.getTopicDeletions());
    await this.deletions.tryDeletion(batch);
  }

  /** Queues the topics named in /admin/delete_topics; requests for unknown topics (or with delete.topic.enable=false) are removed. */
  async startDeletions(topics: readonly string[]): Promise<void> {
    const { deleteTopicEnable } = this.options;
    const unknown = topics.filter((t) => !this.context.hasTopic(t));
    const refused = deleteTopicEnable ? [] : topics;
    if (refused.length > 0) this.log('warn', `delete.topic.enable is false; removing the deletion requests of ${refused.join(',')}`);
    const remove = [...new Set([...unknown, ...refused])];
    if (remove.length > 0) await this.zk.deleteTopicDeletions(remove, this.context.epochZkVersion);
    if (deleteTopicEnable) this.deletions.enqueue(topics.filter((t) => this.context.hasTopic(t)));
  }

  unwatch(topic: string): void {
    this.watched.delete(topic);
    this.zk.zk.unregisterZNodeChangeHandler(topicPath(topic));
  }

  unwatchAll(): void {
    for (const topic of [...this.watched]) this.unwatch(topic);
  }

  private watch(topic: string): void {
    this.watched.add(topic);
    void this.zk.zk
      .registerZNodeChangeHandler({ path: topicPath(topic), handleDataChange: () => this.options.onTopicChanged(topic) })
      // the client sets the watch again at its next connection
      .catch((error: unknown) => this.log('warn', `could not watch topic ${topic} yet: ${(error as Error).message}`));
  }

  /** Reads the partitions' state znodes into the context, one by one when some cannot be read as Kafka writes them. */
  private async readStates(partitions: readonly TopicPartition[]): Promise<void> {
    try {
      for (const { tp, state } of await this.zk.getTopicPartitionStates(partitions)) this.context.setPartitionState(tp, state);
      return;
    } catch (error) {
      if (!(error instanceof ZkDataError)) throw error;
    }
    for (const tp of partitions) {
      try {
        const state = await this.zk.getTopicPartitionState(tp);
        if (state !== undefined) this.context.setPartitionState(tp, state);
      } catch (error) {
        if (!(error instanceof ZkDataError)) throw error;
        this.log('error', `the state of ${tpKey(tp)} is left unread: ${error.message}`);
      }
    }
  }

  private logFailures(failures: ReadonlyArray<{ reason: string }>): void {
    if (failures.length > 0) this.log('warn', `creating partitions: ${failures.map((f) => f.reason).join('; ')}`);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log(level, message);
  }
}
