import { ErrorCode } from '../../protocol/error-codes.js';
/** A broker as Metadata describes it. */
export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  /** -1 when the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: Buffer;
  readonly errorCode: number;
  readonly isInternal: boolean;
  /** By partition index. */
  readonly partitions: readonly PartitionMetadata[];
}

/**
 * An immutable snapshot of what the last Metadata response said (Kafka's
 * Cluster): brokers, the controller, and the topics asked about with their
 * partitions and leaders.
 */
export class Cluster {
  private readonly available = new Map<string, readonly PartitionMetadata[]>();

  constructor(
    readonly clusterId: string | null,
    readonly controllerId: number,
    readonly nodes: ReadonlyMap<number, BrokerNode>,
    readonly topics: ReadonlyMap<string, TopicMetadata>,
  ) {}

  static empty(): Cluster {
    return new Cluster(null, -1, new Map(), new Map());
  }

  node(id: number): BrokerNode | undefined {
    return this.nodes.get(id);
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  /** The topic's partitions, or undefined when the topic is unknown or has an error. */
  partitionsFor(topic: string): readonly PartitionMetadata[] | undefined {
    const t = this.topics.get(topic);
    return t && t.errorCode === ErrorCode.NONE && t.partitions.length > 0 ? t.partitions : undefined;
  }

  /** Partitions with a live leader. */
  availablePartitionsFor(topic: string): readonly PartitionMetadata[] {
    let list = this.available.get(topic);
    if (!list) {
      list = (this.partitionsFor(topic) ?? []).filter((p) => p.leader >= 0 && this.nodes.has(p.leader));
      this.available.set(topic, list);
    }
    return list;
  }

  /** The leader's node id, or -1. */
  leaderFor(topic: string, partition: number): number {
    const p = this.topics.get(topic)?.partitions[partition];
    return p && p.leader >= 0 && this.nodes.has(p.leader) ? p.leader : -1;
  }
}
