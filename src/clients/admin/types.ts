import type { TopicPartition } from '../../protocol/topic-partition.js';
import type { BrokerNode } from '../network/cluster.js';

export type { TopicPartition };

/** Options every admin call takes. */
export interface AdminCallOptions {
  /** How long the call may take, retries included (default.api.timeout.ms). */
  readonly timeoutMs?: number;
}

/** One item's outcome in a call over several items: its result, or the error it failed with (Java's per-item KafkaFuture, completed). */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/**
 * What a call over several items (topics, partitions, groups) returns, as
 * Java's *Result classes do. Awaited, it is every item's result in item
 * order, or the error of the first item that failed (Java's all());
 * settled() gives each item's own outcome, for callers that report items
 * one by one.
 */
export interface ItemResults<R> extends Promise<R[]> {
  settled(): Promise<Array<Settled<R>>>;
}

export interface NewTopic {
  readonly name: string;
  /** -1 (the default): the broker's num.partitions. */
  readonly numPartitions?: number;
  /** -1 (the default): the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Broker ids of each partition's replicas, by partition (instead of a count and a factor). */
  readonly replicasAssignments?: Readonly<Record<number, readonly number[]>>;
  readonly configs?: Readonly<Record<string, string>>;
}

/** For the calls that create or delete partitions, which count against the client's controller_mutation_rate (KIP-599). */
export interface TopicMutationOptions extends AdminCallOptions {
  /**
   * A topic refused THROTTLING_QUOTA_EXCEEDED is tried again once the broker's
   * throttle has passed, within the call's timeout (true, the default, as
   * Java's); false fails it at once with ThrottlingQuotaExceededError.
   */
  readonly retryOnQuotaViolation?: boolean;
}

export interface CreateTopicsOptions extends TopicMutationOptions {
  readonly validateOnly?: boolean;
}

export interface CreatePartitionsOptions extends TopicMutationOptions {
  readonly validateOnly?: boolean;
}

export interface CreatedTopic {
  readonly name: string;
  readonly topicId: Buffer;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** The topic's configs as the broker resolved them (CreateTopics v5+). */
  readonly configs: Readonly<Record<string, string | null>>;
}

export interface TopicPartitionInfo {
  readonly partition: number;
  readonly leader: BrokerNode | null;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Eligible leader replicas (KIP-966), from DescribeTopicPartitions; undefined or null when not known. */
  readonly elr?: readonly number[] | null;
  readonly lastKnownElr?: readonly number[] | null;
}

export interface DescribeTopicsOptions extends AdminCallOptions {
  /** Ask with DescribeTopicPartitions, this many partitions per response (Java's DescribeTopicsOptions.partitionSizeLimitPerResponse). */
  readonly partitionSizeLimitPerResponse?: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly topicId: Buffer;
  readonly isInternal: boolean;
  readonly partitions: readonly TopicPartitionInfo[];
}

export interface NewPartitions {
  /** The partition count the topic should have. */
  readonly totalCount: number;
  /** Replica broker ids of each new partition. */
  readonly assignments?: ReadonlyArray<readonly number[]>;
}

export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger';

export interface ConfigResource {
  readonly type: ConfigResourceType;
  readonly name: string;
}

/** Kafka's ConfigEntry.ConfigSource names. */
export type ConfigSource =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'CLIENT_METRICS_CONFIG'
  | 'GROUP_CONFIG';

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly isDefault: boolean;
  readonly isReadOnly: boolean;
  readonly isSensitive: boolean;
  readonly synonyms: ReadonlyArray<{ readonly name: string; readonly value: string | null; readonly source: ConfigSource }>;
  /** Kafka's ConfigType name (BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD, UNKNOWN). */
  readonly type: string;
  readonly documentation: string | null;
}

export interface DescribedConfigs {
  readonly resource: ConfigResource;
  readonly entries: readonly ConfigEntry[];
}

export interface DescribeConfigsOptions extends AdminCallOptions {
  readonly includeSynonyms?: boolean;
  readonly includeDocumentation?: boolean;
  /** Only these config names (default: all). */
  readonly configNames?: readonly string[];
}

export interface AlterConfigsOptions extends AdminCallOptions {
  readonly validateOnly?: boolean;
}

export type AlterConfigOpType = 'set' | 'delete' | 'append' | 'subtract';

export interface AlterConfigOp {
  readonly name: string;
  readonly value?: string | null;
  readonly op: AlterConfigOpType;
}

/** Kafka's OffsetSpec: the earliest or latest offset, the one with the largest timestamp, or the first at or after a time. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { readonly timestamp: number };

export interface ListOffsetsOptions extends AdminCallOptions {
  readonly isolationLevel?: 'read_uncommitted' | 'read_committed';
}

export interface ListedOffset extends TopicPartition {
  /** -1 when no record is at or after the timestamp asked for. */
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface DeletedRecords extends TopicPartition {
  readonly lowWatermark: number;
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controller: BrokerNode | null;
  readonly nodes: readonly BrokerNode[];
}

export interface ListGroupsOptions extends AdminCallOptions {
  /** Only groups in these states (ListGroups v4+), e.g. ['Stable', 'Empty']. */
  readonly states?: readonly string[];
  /** Only groups of these types (v5+): 'classic', 'consumer'. */
  readonly types?: readonly string[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: string;
  readonly type: string;
}

export interface MemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  /** The partitions assigned, sorted (decoded for consumer groups; empty otherwise, and when the bytes are not the consumer protocol's). */
  readonly assignment: readonly TopicPartition[];
  readonly memberMetadata: Buffer;
  readonly memberAssignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor, for consumer groups ("range", …). */
  readonly protocol: string;
  readonly members: readonly MemberDescription[];
  readonly coordinator: BrokerNode;
}

export interface ListConsumerGroupOffsetsOptions extends AdminCallOptions {
  /** Only these partitions, each answered (offset -1 where none is committed); by default every partition the group committed. */
  readonly partitions?: readonly TopicPartition[];
  /** Wait out pending transactional commits (UNSTABLE_OFFSET_COMMIT, retried) instead of reading past them (Java's requireStable). */
  readonly requireStable?: boolean;
}

export interface CommittedOffset extends TopicPartition {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface OffsetToCommit extends TopicPartition {
  readonly offset: number;
  readonly leaderEpoch?: number;
  /** "" when left out, as Java's OffsetAndMetadata. */
  readonly metadata?: string | null;
}

/** Kafka's ElectionType: the preferred (first) replica if in sync, or (unclean) any live replica of a partition whose leader is down. */
export type ElectionType = 'preferred' | 'unclean';

/** Where a partition should move (Java's NewPartitionReassignment). */
export interface NewPartitionReassignment {
  readonly targetReplicas: readonly number[];
}

/** A reassignment in progress (Java's PartitionReassignment): every replica, and those being added and removed. */
export interface PartitionReassignment extends TopicPartition {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** A SCRAM credential to set (the password is salted by the client and never sent) or to delete (Java's UserScramCredentialUpsertion / Deletion). */
export type UserScramCredentialAlteration =
  | { readonly user: string; readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly iterations: number; readonly password: string }
  | { readonly user: string; readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly delete: true };

export interface ScramCredentialInfo {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'UNKNOWN';
  readonly iterations: number;
}

/** A client quota entity as Java's ClientQuotaEntity: entity type (`user`, `client-id`) → name, null for the default entity. */
export type ClientQuotaEntity = Readonly<Partial<Record<'user' | 'client-id', string | null>>>;

/** A quota value to set, or (null) to remove: producer_byte_rate, consumer_byte_rate, request_percentage, controller_mutation_rate. */
export interface ClientQuotaAlteration {
  readonly entity: ClientQuotaEntity;
  readonly ops: ReadonlyArray<{ readonly key: string; readonly value: number | null }>;
}

/** Which entities DescribeClientQuotas matches (Java's ClientQuotaFilter): per entity type a name, `null` for the default, or `'*'` for any named one; `strict` as containsOnly. */
export interface ClientQuotaFilter {
  readonly components: ReadonlyArray<{ readonly entityType: 'user' | 'client-id'; readonly match: string | null | '*' }>;
  readonly strict?: boolean;
}

export interface ClientQuotaDescription {
  readonly entity: ClientQuotaEntity;
  readonly values: Readonly<Record<string, number>>;
}

/** A user's SCRAM credentials: which mechanisms, with how many iterations (never keys). */
export interface UserScramCredentialsDescription {
  readonly user: string;
  readonly credentials: readonly ScramCredentialInfo[];
}

/** A replica in a log directory (Java's ReplicaInfo, with its partition). */
export interface LogDirReplica extends TopicPartition {
  readonly size: number;
  /** How far a future replica (one being moved between directories) is behind the current one; 0 otherwise. */
  readonly offsetLag: number;
  readonly isFuture: boolean;
}

/** One log directory of a broker (Java's LogDirDescription). */
export interface LogDirDescription {
  readonly path: string;
  /** Why the broker cannot use the directory (KafkaStorageError), or null. */
  readonly error: Error | null;
  readonly replicas: readonly LogDirReplica[];
  /** The disk's size and free space in bytes; -1 when the broker does not say (DescribeLogDirs before v4). */
  readonly totalBytes: number;
  readonly usableBytes: number;
}

export interface BrokerLogDirs {
  readonly broker: number;
  readonly logDirs: readonly LogDirDescription[];
}
