import type { UpdateMetadataRequest } from '../../protocol/messages/update-metadata.js';
import type { MessageData } from '../../protocol/schema/message-types.js';

/** A partition's leader and replicas as the controller last said. */
export interface PartitionMetadata {
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
  offlineReplicas: readonly number[];
  /** The version of the partition's state znode. */
  zkVersion: number;
}

export interface CachedTopic {
  name: string;
  id: Buffer;
  /** By partition index; a gap (a partition not yet announced) is undefined. */
  partitions: Array<PartitionMetadata | undefined>;
}

export interface CachedEndpoint {
  listener: string;
  host: string;
  port: number;
  securityProtocol: number;
}

export interface CachedBroker {
  id: number;
  rack: string | null;
  endpoints: readonly CachedEndpoint[];
}

/** The topics Kafka treats as internal, by name (UpdateMetadata carries no flag). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

type UpdateMetadata = MessageData<typeof UpdateMetadataRequest>;

/**
 * What a broker of a cluster knows of the whole cluster (Kafka's
 * ZkMetadataCache): the live brokers with their endpoints, the controller,
 * and every partition's leader, epoch, ISR and replicas, as the controller's
 * UpdateMetadata requests say. Every broker answers Metadata,
 * DescribeCluster and FindCoordinator from it; a request from an older
 * controller epoch is ignored.
 */
export class MetadataCache {
  private brokers = new Map<number, CachedBroker>();
  private readonly topics = new Map<string, CachedTopic>();
  private readonly topicsById = new Map<string, CachedTopic>();
  private controller = -1;
  private controllerEpoch = -1;
  private readonly listeners = new Set<() => void>();

  get controllerId(): number {
    return this.controller;
  }

  /** Whether the controller has sent anything yet: a broker just (re)started knows no topic until it does. */
  get initialized(): boolean {
    return this.controllerEpoch >= 0;
  }

  /** Calls `listener` after every update (waiters for a topic's leaders use it). */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true once `done()` holds (checked now and after every update), false after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const stop = this.onUpdate(() => {
        if (!done()) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, timeoutMs);
    });
  }

  aliveBrokers(): CachedBroker[] {
    return [...this.brokers.values()].sort((a, b) => a.id - b.id);
  }

  broker(id: number): CachedBroker | undefined {
    return this.brokers.get(id);
  }

  isAlive(id: number): boolean {
    return this.brokers.has(id);
  }

  topic(name: string): CachedTopic | undefined {
    return this.topics.get(name);
  }

  topicById(id: Buffer): CachedTopic | undefined {
    return this.topicsById.get(id.toString('hex'));
  }

  allTopics(): CachedTopic[] {
    return [...this.topics.values()];
  }

  partition(topic: string, index: number): PartitionMetadata | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** Applies an UpdateMetadata request; returns false (and changes nothing) when it comes from an older controller. */
  update(request: UpdateMetadata, apiVersion: number): boolean {
    if (request.controllerEpoch < this.controllerEpoch) return false;
    this.controllerEpoch = request.controllerEpoch;
    this.controller = request.controllerId;
    this.brokers = new Map(
      request.liveBrokers.map((b) => [
        b.id,
        {
          id: b.id,
          rack: b.rack,
          endpoints:
            apiVersion === 0
              ? [{ listener: 'PLAINTEXT', host: b.v0Host, port: b.v0Port, securityProtocol: 0 }]
              : b.endpoints.map((e) => ({ listener: e.listener || 'PLAINTEXT', host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
        },
      ]),
    );
    const states =
      apiVersion >= 5
        ? request.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, topicId: t.topicId, p })))
        : request.ungroupedPartitionStates.map((p) => ({ topic: p.topicName, topicId: undefined, p }));
    for (const { topic, topicId, p } of states) {
      // A leader of -2 (Kafka's LeaderDuringDelete) removes the partition: its topic is being deleted.
      if (p.leader === -2) {
        this.removePartition(topic, p.partitionIndex);
        continue;
      }
      let cached = this.topics.get(topic);
      if (!cached) {
        cached = { name: topic, id: topicId ?? Buffer.alloc(16), partitions: [] };
        this.topics.set(topic, cached);
      }
      if (topicId && !topicId.equals(cached.id)) {
        this.topicsById.delete(cached.id.toString('hex'));
        cached.id = topicId;
      }
      this.topicsById.set(cached.id.toString('hex'), cached);
      cached.partitions[p.partitionIndex] = {
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: p.isr,
        replicas: p.replicas,
        offlineReplicas: p.offlineReplicas,
        zkVersion: p.zkVersion,
      };
    }
    for (const listener of this.listeners) listener();
    return true;
  }

  private removePartition(topic: string, index: number): void {
    const cached = this.topics.get(topic);
    if (!cached) return;
    cached.partitions[index] = undefined;
    if (cached.partitions.every((p) => p === undefined)) {
      this.topics.delete(topic);
      this.topicsById.delete(cached.id.toString('hex'));
    }
  }
}
