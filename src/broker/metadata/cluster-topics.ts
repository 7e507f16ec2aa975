import type { LogConfig } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { isCode } from '../../zk/zookeeper-client.js';
import { INTERNAL_TOPICS, type MetadataCache, type PartitionMetadata } from './metadata-cache.js';
import type { TopicConfigCache } from './topic-config-cache.js';
import type { TopicPlanner } from './topic-planner.js';
import { newTopicId, type TopicInfo } from './topic-store.js';
import type { CreateTopicRequest, Topics } from './topics.js';

/** How long an admin request waits for the controller's metadata to show its result when the request gives no timeout. */
const DEFAULT_WAIT_MS = 30_000;

/**
 * A cluster's topics as one broker's handlers see them (Kafka's ZooKeeper
 * mode AdminManager + ZkMetadataCache): reads come from the metadata the
 * controller pushes and the topic configs in ZooKeeper; a creation writes
 * /brokers/topics/<topic> (and its configs) and waits until the controller
 * has elected leaders for every partition; a deletion writes
 * /admin/delete_topics/<topic> and waits until the topic is gone; new
 * partitions rewrite the assignment; configs go to /config/topics with a
 * change notification every broker follows.
 */
export class ClusterTopics implements Topics {
  constructor(
    private readonly zk: KafkaZkClient,
    private readonly metadata: MetadataCache,
    private readonly configs: TopicConfigCache,
    private readonly planner: TopicPlanner,
    private readonly deleteTopicEnable: boolean,
  ) {}

  get(name: string): TopicInfo | undefined {
    const cached = this.metadata.topic(name);
    return cached && this.info(cached.name);
  }

  getById(id: Buffer): TopicInfo | undefined {
    const cached = this.metadata.topicById(id);
    return cached && this.info(cached.name);
  }

  all(): TopicInfo[] {
    return this.metadata.allTopics().map((t) => this.info(t.name)!);
  }

  private info(name: string): TopicInfo | undefined {
    const cached = this.metadata.topic(name);
    if (!cached) return undefined;
    const replicas: number[][] = [];
    for (let p = 0; p < cached.partitions.length; p++) replicas.push([...(cached.partitions[p]?.replicas ?? [])]);
    return { name, id: cached.id, replicas, configs: { ...this.configs.get(name) }, internal: INTERNAL_TOPICS.has(name) };
  }

  partitionMetadata(topic: string, index: number): PartitionMetadata | undefined {
    return this.metadata.partition(topic, index);
  }

  logConfig(topic: TopicInfo): LogConfig {
    return this.planner.checkConfigs(this.configs.get(topic.name));
  }

  validateCreate(req: CreateTopicRequest): { replicas: number[][]; config: LogConfig } {
    const plan = this.planner.planCreate(req);
    if (this.metadata.topic(req.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    return plan;
  }

  async create(req: CreateTopicRequest, internal = false): Promise<TopicInfo> {
    // ZooKeeper first, as Kafka's AdminZkClient: a broker whose metadata the controller has not sent yet (just restarted) knows no topic and no live broker.
    if (await this.zk.topicExists(req.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    const { replicas } = this.validateCreate(req);
    if (internal !== INTERNAL_TOPICS.has(req.name))
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `'${req.name}' ${internal ? 'is not' : 'is'} an internal topic`);
    // ZooKeeper decides whether it exists, not this broker's metadata, which may not show it yet
    // (Kafka's validateTopicCreate): the configs written next would replace the topic's own.
    if (await this.zk.topicExists(req.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    const id = newTopicId();
    // Configs first, as Kafka: the controller's LeaderAndIsr makes brokers create logs, which read them.
    await this.zk.setOrCreateEntityConfigs('topics', req.name, req.configs);
    try {
      await this.zk.createTopicAssignment(req.name, id, new Map(replicas.map((r, p) => [p, r])));
    } catch (error) {
      if (isCode(error, 'NODEEXISTS')) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
      throw error;
    }
    await this.configs.fetch(req.name);
    this.planner.warnDeprecated(req.name, req.configs);
    await this.waitFor(() => this.led(req.name, replicas.length), req.timeoutMs, `the controller to elect leaders for ${req.name}`);
    return this.info(req.name)!;
  }

  async delete(topic: TopicInfo): Promise<void> {
    if (!this.deleteTopicEnable) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    await this.zk.markTopicForDeletion(topic.name);
    await this.waitFor(() => this.metadata.topic(topic.name) === undefined, undefined, `the controller to delete ${topic.name}`);
    this.configs.forget(topic.name);
  }

  async createPartitions(topic: TopicInfo, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void> {
    const added = this.planner.planNewPartitions(topic, count, assignments);
    if (validateOnly) return;
    const all = [...topic.replicas, ...added];
    await this.zk.setTopicAssignment(topic.name, topic.id, new Map(all.map((replicas, p) => [p, { replicas, addingReplicas: [], removingReplicas: [] }])));
    await this.waitFor(() => this.led(topic.name, count), undefined, `the controller to elect leaders for the new partitions of ${topic.name}`);
  }

  async alterConfigs(topic: TopicInfo, configs: Record<string, string>, validateOnly: boolean): Promise<void> {
    this.planner.checkConfigs(configs);
    if (validateOnly) return;
    await this.zk.setTopicConfig(topic.name, configs);
    await this.configs.fetch(topic.name);
    this.planner.warnDeprecated(topic.name, configs);
  }

  /** Whether the metadata shows `count` partitions of the topic, each with a leader. */
  private led(name: string, count: number): boolean {
    const cached = this.metadata.topic(name);
    if (!cached || cached.partitions.length < count) return false;
    for (let p = 0; p < count; p++) if ((cached.partitions[p]?.leader ?? -1) < 0) return false;
    return true;
  }

  /** Resolves once `done()` holds after a metadata update; REQUEST_TIMED_OUT after `timeoutMs` (the change itself goes on, as in Kafka). */
  private async waitFor(done: () => boolean, timeoutMs = DEFAULT_WAIT_MS, what: string): Promise<void> {
    // A timeout of 0 or less asks not to wait (Kafka's CreateTopics with timeoutMs <= 0).
    if (timeoutMs <= 0 || (await this.metadata.waitFor(done, timeoutMs))) return;
    throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
