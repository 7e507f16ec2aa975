import { deprecationOf, LogConfig } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { TopicInfo } from './topic-store.js';
import type { CreateTopicRequest } from './topics.js';

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
/** Partitions one request may create: a larger count is refused rather than allowed to exhaust the broker (Kafka's controller caps records per operation at 10000 too). */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const MAX_NAME_LENGTH = 249;

/** Kafka's topic name rules, with Kafka's messages (INVALID_TOPIC_EXCEPTION). */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
  if (name === '.' || name === '..') throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name cannot be "." or ".."');
  if (name.length > MAX_NAME_LENGTH)
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name is illegal, it can't be longer than ${MAX_NAME_LENGTH} characters, topic name: ${name}`,
    );
  if (!LEGAL_NAME.test(name))
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
}

/** A live broker as replica placement sees it. */
export interface PlacementBroker {
  id: number;
  rack: string | null;
}

/** Places `count` new partitions' replicas, numbered from `firstPartition`, on the live brokers (`partition0`: the first partition's replicas when the topic exists). */
export type ReplicaPlacement = (
  count: number,
  factor: number,
  brokers: readonly PlacementBroker[],
  firstPartition: number,
  partition0?: readonly number[],
) => number[][];

/** Round-robin placement starting after the partitions that exist (Kafka's rack-unaware assignment, without its random start): a single broker's. */
export const roundRobinPlacement: ReplicaPlacement = (count, factor, brokers, firstPartition) => {
  const ids = brokers.map((b) => b.id);
  const out: number[][] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < factor; r++) replicas.push(ids[(p + r) % ids.length]!);
    out.push(replicas);
  }
  return out;
};

/**
 * The checks and decisions of creating topics and adding partitions, shared
 * by a single broker's TopicManager and a cluster's topics: names, counts,
 * replication factor against the live brokers, explicit assignments naming
 * live brokers, configs; and where replicas go (the placement).
 */
export class TopicPlanner {
  constructor(
    private readonly brokerDefaults: Readonly<Record<string, unknown>>,
    private readonly defaults: { numPartitions: number; replicationFactor: number },
    private readonly liveBrokers: () => readonly PlacementBroker[],
    private readonly placement: ReplicaPlacement,
    private readonly warn?: (message: string) => void,
  ) {}

  /** Deprecated configs are taken, as Kafka 3.x takes them, with a warning. */
  warnDeprecated(topic: string, configs: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(configs)) {
      const why = deprecationOf(name);
      if (why !== undefined) this.warn?.(`topic ${topic}: the config ${name}=${value} ${why}`);
    }
  }

  /** The replica assignment and log config a creation would get; throws KafkaError. */
  planCreate(req: CreateTopicRequest): { replicas: number[][]; config: LogConfig } {
    validateTopicName(req.name);
    const live = this.liveBrokers();
    let replicas: number[][];
    if (req.assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        );
      }
      if (req.assignments.length > MAX_PARTITIONS_PER_REQUEST)
        throw new KafkaError(
          ErrorCode.INVALID_PARTITIONS,
          `${req.assignments.length} partition assignments exceed the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`,
        );
      const sorted = [...req.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      sorted.forEach((a, i) => {
        if (a.partitionIndex !== i) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
      });
      replicas = sorted.map((a) => checkAssignment(a.brokerIds, live));
    } else {
      const count = req.numPartitions === -1 ? this.defaults.numPartitions : req.numPartitions;
      const factor = req.replicationFactor === -1 ? this.defaults.replicationFactor : req.replicationFactor;
      if (count <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
      if (count > MAX_PARTITIONS_PER_REQUEST)
        throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${count} exceeds the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`);
      if (factor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
      if (factor > live.length)
        throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${factor} larger than available brokers: ${live.length}.`);
      replicas = this.placement(count, factor, live, 0);
    }
    return { replicas, config: this.checkConfigs(req.configs) };
  }

  /** The replicas of the partitions CreatePartitions adds to `topic` to reach `count`; throws KafkaError. */
  planNewPartitions(topic: TopicInfo, count: number, assignments: number[][] | null): number[][] {
    const current = topic.replicas.length;
    if (count < current)
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
    if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    if (count - current > MAX_PARTITIONS_PER_REQUEST)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Adding ${count - current} partitions exceeds the ${MAX_PARTITIONS_PER_REQUEST} one request may create.`,
      );
    const live = this.liveBrokers();
    if (!assignments) return this.placement(count - current, topic.replicas[0]!.length, live, current, topic.replicas[0]);
    if (assignments.length !== count - current) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`,
      );
    }
    return assignments.map((a) => checkAssignment(a, live));
  }

  checkConfigs(configs: Readonly<Record<string, string>>): LogConfig {
    try {
      return LogConfig.from(configs, this.brokerDefaults);
    } catch (e) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, (e as Error).message);
    }
  }
}

function checkAssignment(brokerIds: number[], live: readonly PlacementBroker[]): number[] {
  if (brokerIds.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Replica assignment must name at least one broker');
  if (new Set(brokerIds).size !== brokerIds.length)
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${brokerIds.join(', ')}`);
  for (const id of brokerIds) {
    if (!live.some((b) => b.id === id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker id ${id} in replica assignment`);
  }
  return brokerIds;
}
