import type { LogConfig } from '../../../storage/config/log-config.js';
import type { PartitionMetadata } from './metadata-cache.js';
import type { TopicInfo } from './topic-store.js';

export interface CreateTopicRequest {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Explicit replica assignment, partition by partition (empty: let the broker choose). */
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Record<string, string>;
  /** How long a cluster waits for the controller to elect the new partitions' leaders (CreateTopics' timeoutMs). */
  timeoutMs?: number;
}

/**
 * The topics as request handlers see them, whoever keeps them: the
 * TopicManager of a single broker (its own file, its own partitions), or
 * ClusterTopics in a cluster (ZooKeeper, the controller's metadata). Creating,
 * deleting and reconfiguring go through here; reading and writing a
 * partition's data go through the ReplicaManager.
 */
export interface Topics {
  get(name: string): TopicInfo | undefined;
  getById(id: Buffer): TopicInfo | undefined;
  all(): TopicInfo[];
  /** The partition's leader, epoch and ISR, wherever it is led; undefined while no leader is known. */
  partitionMetadata(topic: string, index: number): PartitionMetadata | undefined;
  /** The topic's log configuration: its overrides over the broker's defaults. */
  logConfig(topic: TopicInfo): LogConfig;
  /** Checks a creation and returns the replica assignment and log config it would get; throws KafkaError. */
  validateCreate(req: CreateTopicRequest): { replicas: number[][]; config: LogConfig };
  create(req: CreateTopicRequest, internal?: boolean): Promise<TopicInfo>;
  delete(topic: TopicInfo): Promise<void>;
  createPartitions(topic: TopicInfo, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void>;
  alterConfigs(topic: TopicInfo, configs: Record<string, string>, validateOnly: boolean): Promise<void>;
}
