import { setImmediate as nextTurn } from 'node:timers/promises';
import { LogConfig } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { Partition } from '../replica/partition.js';
import type { TopicInfo, TopicStore } from './topic-store.js';

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
/** Partitions one request may create: a larger count is refused rather than allowed to exhaust the broker (Kafka's controller caps records per operation at 10000 too). */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const MAX_NAME_LENGTH = 249;
/** Opening or deleting many partitions gives the event loop a turn this often, so other clients are served meanwhile. */
const YIELD_EVERY_MS = 5;

/** Kafka's topic name rules, with Kafka's messages (INVALID_TOPIC_EXCEPTION). */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name cannot be "." or ".."');
  if (name.length > MAX_NAME_LENGTH) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is illegal, it can't be longer than ${MAX_NAME_LENGTH} characters, topic name: ${name}`);
  if (!LEGAL_NAME.test(name)) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
}

export interface CreateTopicRequest {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Explicit replica assignment, partition by partition (empty: let the broker choose). */
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Record<string, string>;
}

/**
 * Creates, deletes and reconfigures topics: what the controller does in a
 * cluster. Here the live brokers are just this one; the checks (replication
 * factor against live brokers, assignments naming live brokers) are the
 * cluster's, so they keep their meaning when more brokers join.
 */
export class TopicManager {
  constructor(
    private readonly store: TopicStore,
    private readonly replicas: ReplicaManager,
    private readonly brokerDefaults: Readonly<Record<string, unknown>>,
    private readonly liveBrokers: () => number[],
    private readonly defaults: { numPartitions: number; replicationFactor: number; deleteTopicEnable: boolean },
  ) {}

  get(name: string): TopicInfo | undefined {
    return this.store.get(name);
  }

  getById(id: Buffer): TopicInfo | undefined {
    return this.store.getById(id);
  }

  all(): TopicInfo[] {
    return this.store.all();
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.replicas.getPartition(topic, index);
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

  /** Checks a creation and returns the resolved partition count, replication factor and log config; throws KafkaError. */
  validateCreate(req: CreateTopicRequest): { replicas: number[][]; config: LogConfig } {
    validateTopicName(req.name);
    if (this.store.get(req.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    const live = this.liveBrokers();
    let replicas: number[][];
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      if (req.assignments.length > MAX_PARTITIONS_PER_REQUEST) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `${req.assignments.length} partition assignments exceed the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`);
      const sorted = [...req.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      sorted.forEach((a, i) => {
        if (a.partitionIndex !== i) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
      });
      replicas = sorted.map((a) => this.checkAssignment(a.brokerIds, live));
    } else {
      const count = req.numPartitions === -1 ? this.defaults.numPartitions : req.numPartitions;
      const factor = req.replicationFactor === -1 ? this.defaults.replicationFactor : req.replicationFactor;
      if (count <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
      if (count > MAX_PARTITIONS_PER_REQUEST) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${count} exceeds the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`);
      if (factor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
      if (factor > live.length) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${factor} larger than available brokers: ${live.length}.`);
      replicas = this.assign(count, factor, live, 0);
    }
    const config = this.checkConfigs(req.configs);
    return { replicas, config };
  }

  private checkConfigs(configs: Record<string, string>): LogConfig {
    try {
      return LogConfig.from(configs, this.brokerDefaults);
    } catch (e) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, (e as Error).message);
    }
  }

  private checkAssignment(brokerIds: number[], live: number[]): number[] {
    if (brokerIds.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Replica assignment must name at least one broker');
    if (new Set(brokerIds).size !== brokerIds.length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${brokerIds.join(', ')}`);
    for (const id of brokerIds) {
      if (!live.includes(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker id ${id} in replica assignment`);
    }
    return brokerIds;
  }

  /** Round-robin replica placement starting after the partitions that exist (Kafka's rack-unaware assignment, without the random start). */
  private assign(count: number, factor: number, live: number[], firstPartition: number): number[][] {
    const out: number[][] = [];
    for (let p = firstPartition; p < firstPartition + count; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < factor; r++) replicas.push(live[(p + r) % live.length]!);
      out.push(replicas);
    }
    return out;
  }

  async create(req: CreateTopicRequest, internal = false): Promise<TopicInfo> {
    const { replicas } = this.validateCreate(req);
    const topic = this.store.add(req.name, replicas, { ...req.configs }, internal);
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
    if (count < current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
    if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    if (count - current > MAX_PARTITIONS_PER_REQUEST) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Adding ${count - current} partitions exceeds the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`);
    const live = this.liveBrokers();
    let added: number[][];
    if (assignments) {
      if (assignments.length !== count - current) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`);
      }
      added = assignments.map((a) => this.checkAssignment(a, live));
    } else {
      added = this.assign(count - current, topic.replicas[0]!.length, live, current);
    }
    if (validateOnly) return;
    topic.replicas = [...topic.replicas, ...added];
    this.store.update(topic);
    await this.openPartitions(topic, current);
  }

  /** Replaces a topic's config overrides (validated first) and applies them to its open logs. */
  alterConfigs(topic: TopicInfo, configs: Record<string, string>, validateOnly: boolean): void {
    const config = this.checkConfigs(configs);
    if (validateOnly) return;
    topic.configs = { ...configs };
    this.store.update(topic);
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
