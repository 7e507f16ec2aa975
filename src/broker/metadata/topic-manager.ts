import { setImmediate as nextTurn } from 'node:timers/promises';
import { LogConfig } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { PartitionMetadata } from './metadata-cache.js';
import { roundRobinPlacement, TopicPlanner } from './topic-planner.js';
import type { TopicInfo, TopicStore } from './topic-store.js';
import type { CreateTopicRequest, Topics } from './topics.js';

export type { CreateTopicRequest } from './topics.js';

/** Opening or deleting many partitions gives the event loop a turn this often, so other clients are served meanwhile. */
const YIELD_EVERY_MS = 5;

/**
 * Creates, deletes and reconfigures topics: what the controller does in a
 * cluster. Here the live brokers are just this one; the checks (replication
 * factor against live brokers, assignments naming live brokers) are the
 * cluster's, so they keep their meaning when more brokers join.
 */
export class TopicManager implements Topics {
  private readonly planner: TopicPlanner;

  constructor(
    private readonly store: TopicStore,
    private readonly replicas: ReplicaManager,
    private readonly brokerDefaults: Readonly<Record<string, unknown>>,
    liveBrokers: () => number[],
    private readonly defaults: { numPartitions: number; replicationFactor: number; deleteTopicEnable: boolean; warn?: (message: string) => void },
  ) {
    this.planner = new TopicPlanner(brokerDefaults, defaults, () => liveBrokers().map((id) => ({ id, rack: null })), roundRobinPlacement, defaults.warn);
  }

  get(name: string): TopicInfo | undefined {
    return this.store.get(name);
  }

  getById(id: Buffer): TopicInfo | undefined {
    return this.store.getById(id);
  }

  all(): TopicInfo[] {
    return this.store.all();
  }

  /** A single broker leads every partition it has; replicas = ISR = itself. */
  partitionMetadata(topic: string, index: number): PartitionMetadata | undefined {
    const partition = this.replicas.getPartition(topic, index);
    if (!partition) return undefined;
    return {
      leader: partition.leaderId,
      leaderEpoch: partition.leaderEpoch,
      isr: partition.isr,
      replicas: partition.replicas,
      offlineReplicas: [],
      zkVersion: partition.partitionEpoch,
    };
  }

  logConfig(topic: TopicInfo): LogConfig {
    return LogConfig.from(topic.configs, this.brokerDefaults);
  }

  /** Opens every stored topic's partitions (at start). */
  async load(): Promise<void> {
    for (const topic of this.store.all()) await this.openPartitions(topic, 0);
  }

  private async openPartitions(topic: TopicInfo, from: number): Promise<void> {
    const config = this.logConfig(topic);
    const turns = new TurnTaker();
    for (let p = from; p < topic.replicas.length; p++) {
      await this.replicas.becomeLeader(topic.name, topic.id, p, topic.replicas[p]!, config, topic.configs);
      await turns.maybeYield();
    }
  }

  /** Checks a creation and returns the replica assignment and log config it would get; throws KafkaError. */
  validateCreate(req: CreateTopicRequest): { replicas: number[][]; config: LogConfig } {
    const plan = this.planner.planCreate(req);
    if (this.store.get(req.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    return plan;
  }

  async create(req: CreateTopicRequest, internal = false): Promise<TopicInfo> {
    const { replicas } = this.validateCreate(req);
    const topic = this.store.add(req.name, replicas, { ...req.configs }, internal);
    this.planner.warnDeprecated(topic.name, req.configs);
    // A log left by an earlier topic of the same name (a crash mid-delete) must not leak into this one.
    for (let p = 0; p < replicas.length; p++) if (this.replicas.getPartition(req.name, p) === undefined) await this.replicas.deletePartition(req.name, p);
    await this.openPartitions(topic, 0);
    return topic;
  }

  async delete(topic: TopicInfo): Promise<void> {
    if (!this.defaults.deleteTopicEnable) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    this.store.remove(topic.name);
    const turns = new TurnTaker();
    for (let p = 0; p < topic.replicas.length; p++) {
      await this.replicas.deletePartition(topic.name, p);
      await turns.maybeYield();
    }
  }

  /** CreatePartitions: grows a topic to `count` partitions. */
  async createPartitions(topic: TopicInfo, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void> {
    const current = topic.replicas.length;
    const added = this.planner.planNewPartitions(topic, count, assignments);
    if (validateOnly) return;
    topic.replicas = [...topic.replicas, ...added];
    this.store.update(topic);
    await this.openPartitions(topic, current);
  }

  /** Replaces a topic's config overrides (validated first) and applies them to its open logs. */
  async alterConfigs(topic: TopicInfo, configs: Record<string, string>, validateOnly: boolean): Promise<void> {
    const config = this.planner.checkConfigs(configs);
    if (validateOnly) return;
    topic.configs = { ...configs };
    this.store.update(topic);
    this.planner.warnDeprecated(topic.name, configs);
    for (let p = 0; p < topic.replicas.length; p++) {
      const partition = this.replicas.getPartition(topic.name, p);
      if (partition) partition.log.config = config;
    }
  }
}

/**
 * Log creation and deletion run on synchronous file calls (a partition costs
 * about a millisecond), so a loop over thousands would hold the event loop
 * for seconds: every YIELD_EVERY_MS it waits for the next turn instead.
 */
class TurnTaker {
  private since = performance.now();

  async maybeYield(): Promise<void> {
    if (performance.now() - this.since < YIELD_EVERY_MS) return;
    await nextTurn();
    this.since = performance.now();
  }
}
