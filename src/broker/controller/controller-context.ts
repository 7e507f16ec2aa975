import type { BrokerEndpoint, LeaderIsrAndControllerEpoch, ReplicaAssignment, TopicPartition } from '../../zk/zk-data.js';

/** A registered broker as the controller knows it. */
export interface LiveBroker {
  id: number;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  /** The broker epoch: the czxid of its /brokers/ids/<id> znode, new at every registration. */
  epoch: bigint;
}

/** One partition with everything the controller keeps of it. */
export interface PartitionInfo {
  tp: TopicPartition;
  assignment: ReplicaAssignment;
  /** Its state znode as last read or written (partitionEpoch = the znode version); undefined before it has one. */
  state: LeaderIsrAndControllerEpoch | undefined;
}

interface TopicInfo {
  id: Buffer;
  partitions: Map<number, { assignment: ReplicaAssignment; state: LeaderIsrAndControllerEpoch | undefined }>;
}

/**
 * What the active controller knows of the cluster (Kafka's ControllerContext): the live
 * brokers with their endpoints, racks and epochs, the brokers shutting down, every topic's
 * id and replica assignment, every partition's state as its znode holds it, and the topics
 * queued for deletion. Only the controller's event thread reads or changes it; it is
 * rebuilt from ZooKeeper each time this broker becomes the controller.
 */
export class ControllerContext {
  /** The controller epoch this broker holds, and the version of /controller_epoch that fences its writes. */
  epoch = 0;
  epochZkVersion = 0;
  private readonly liveBrokers = new Map<number, LiveBroker>();
  readonly shuttingDownBrokerIds = new Set<number>();
  private readonly topics = new Map<string, TopicInfo>();
  readonly topicsToBeDeleted = new Set<string>();

  // ---- brokers

  addLiveBroker(broker: LiveBroker): void {
    this.liveBrokers.set(broker.id, broker);
  }

  removeLiveBroker(id: number): void {
    this.liveBrokers.delete(id);
    this.shuttingDownBrokerIds.delete(id);
  }

  liveBroker(id: number): LiveBroker | undefined {
    return this.liveBrokers.get(id);
  }

  /** Every registered broker, shutting down or not, by id. */
  liveOrShuttingDownBrokers(): LiveBroker[] {
    return [...this.liveBrokers.values()].sort((a, b) => a.id - b.id);
  }

  liveOrShuttingDownBrokerIds(): number[] {
    return this.liveOrShuttingDownBrokers().map((b) => b.id);
  }

  /** The brokers that may lead: registered and not shutting down. */
  liveBrokerIds(): Set<number> {
    return new Set([...this.liveBrokers.keys()].filter((id) => !this.shuttingDownBrokerIds.has(id)));
  }

  isLive(id: number, includeShuttingDown = false): boolean {
    return this.liveBrokers.has(id) && (includeShuttingDown || !this.shuttingDownBrokerIds.has(id));
  }

  // ---- topics and partitions

  addTopic(topic: string, id: Buffer, assignment: ReadonlyMap<number, ReplicaAssignment>): void {
    const info: TopicInfo = this.topics.get(topic) ?? { id, partitions: new Map() };
    info.id = id;
    for (const [partition, replicas] of assignment) {
      const existing = info.partitions.get(partition);
      info.partitions.set(partition, { assignment: replicas, state: existing?.state });
    }
    this.topics.set(topic, info);
  }

  removeTopic(topic: string): void {
    this.topics.delete(topic);
    this.topicsToBeDeleted.delete(topic);
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  allTopics(): string[] {
    return [...this.topics.keys()];
  }

  topicId(topic: string): Buffer | undefined {
    return this.topics.get(topic)?.id;
  }

  /** The partition numbers a topic has, in order. */
  partitionIds(topic: string): number[] {
    return [...(this.topics.get(topic)?.partitions.keys() ?? [])].sort((a, b) => a - b);
  }

  partitionsOfTopic(topic: string): TopicPartition[] {
    return this.partitionIds(topic).map((partition) => ({ topic, partition }));
  }

  replicas(tp: TopicPartition): number[] {
    return this.topics.get(tp.topic)?.partitions.get(tp.partition)?.assignment.replicas ?? [];
  }

  assignment(tp: TopicPartition): ReplicaAssignment | undefined {
    return this.topics.get(tp.topic)?.partitions.get(tp.partition)?.assignment;
  }

  setAssignment(tp: TopicPartition, assignment: ReplicaAssignment): void {
    const partition = this.topics.get(tp.topic)?.partitions.get(tp.partition);
    if (partition) partition.assignment = assignment;
  }

  /** A topic's partitions and their assignments, as its znode holds them. */
  topicAssignment(topic: string): Map<number, ReplicaAssignment> {
    return new Map([...(this.topics.get(topic)?.partitions ?? [])].map(([p, info]) => [p, info.assignment]));
  }

  partitionState(tp: TopicPartition): LeaderIsrAndControllerEpoch | undefined {
    return this.topics.get(tp.topic)?.partitions.get(tp.partition)?.state;
  }

  setPartitionState(tp: TopicPartition, state: LeaderIsrAndControllerEpoch): void {
    const partition = this.topics.get(tp.topic)?.partitions.get(tp.partition);
    if (partition) partition.state = state;
  }

  /** Every partition of every topic, topics in name order. */
  *allPartitions(): IterableIterator<PartitionInfo> {
    for (const topic of [...this.topics.keys()].sort()) {
      const info = this.topics.get(topic)!;
      for (const partition of [...info.partitions.keys()].sort((a, b) => a - b)) {
        const p = info.partitions.get(partition)!;
        yield { tp: { topic, partition }, assignment: p.assignment, state: p.state };
      }
    }
  }

  /** The partitions with a replica on the broker. */
  partitionsOnBroker(id: number): TopicPartition[] {
    return [...this.allPartitions()].filter((p) => p.assignment.replicas.includes(id)).map((p) => p.tp);
  }

  /** The partitions the broker leads. */
  partitionsLedBy(id: number): TopicPartition[] {
    return [...this.allPartitions()].filter((p) => p.state?.leaderAndIsr.leader === id).map((p) => p.tp);
  }

  /** The replicas on brokers that are not registered (UpdateMetadata's OfflineReplicas). */
  offlineReplicas(tp: TopicPartition): number[] {
    return this.replicas(tp).filter((id) => !this.liveBrokers.has(id));
  }

  isTopicQueuedForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic);
  }

  /** Forgets everything (resignation). */
  reset(): void {
    this.epoch = 0;
    this.epochZkVersion = 0;
    this.liveBrokers.clear();
    this.shuttingDownBrokerIds.clear();
    this.topics.clear();
    this.topicsToBeDeleted.clear();
  }
}

/** topic-partition, for maps and logs (the partition number after the last dash keeps it unambiguous). */
export const tpKey = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

/** The partitions without repeats, each where it first appears. */
export const distinctPartitions = (partitions: readonly TopicPartition[]): TopicPartition[] => [...new Map(partitions.map((tp) => [tpKey(tp), tp])).values()];
