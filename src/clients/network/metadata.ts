import { ErrorCode } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { Api } from './apis.js';
import { type BrokerNode, Cluster, type PartitionMetadata, type TopicMetadata } from './cluster.js';
import { KafkaApiError, kafkaErrorFor, NetworkError, TimeoutError } from './errors.js';
import type { NetworkClient } from './network-client.js';
import { sleep, withTimeout } from './timing.js';

const ZERO_UUID = Buffer.alloc(16);

export interface MetadataOptions {
  /** metadata.max.age.ms: refresh this often even when nothing asked for it. */
  readonly maxAgeMs: number;
  /** retry.backoff.ms: the least time between two refreshes. */
  readonly retryBackoffMs: number;
  /** Ask the broker to create unknown topics (allow.auto.create.topics). */
  readonly allowAutoTopicCreation: boolean;
  /** Ask for every topic (the admin client, a consumer subscribed to a pattern). */
  readonly allTopics?: boolean;
}

/**
 * The client's metadata cache (Kafka's Metadata): the Cluster from the last
 * response, the topics this client cares about, and when to refresh —
 * every metadata.max.age.ms, and as soon as something finds it stale (a
 * NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE
 * answer, a new topic), never twice within retry.backoff.ms.
 */
export class Metadata {
  cluster = Cluster.empty();
  /** Bumped by every update. */
  updateVersion = 0;
  lastRefreshMs = 0;
  lastSuccessfulRefreshMs = 0;
  allTopics: boolean;
  private readonly topics = new Set<string>();
  private needUpdate = true;
  private inFlight?: Promise<Cluster>;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(cluster: Cluster) => void>();
  private closed = false;

  constructor(
    private readonly client: NetworkClient,
    private readonly options: MetadataOptions,
  ) {
    this.allTopics = options.allTopics ?? false;
  }

  /** Re-arms the metadata.max.age.ms timer (unref'd: it never keeps the process alive). */
  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const due = Math.max(this.timeToNextUpdate(), this.options.retryBackoffMs, 1);
    this.timer = setTimeout(() => this.maybeUpdate(), Math.min(due, 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Adds topics of interest; a new one makes the next check refresh. */
  add(...topics: string[]): void {
    for (const t of topics) {
      if (!this.topics.has(t)) {
        this.topics.add(t);
        if (!this.cluster.topics.has(t)) this.needUpdate = true;
      }
    }
  }

  /** Replaces the topics of interest (a consumer's new subscription). */
  setTopics(topics: Iterable<string>): void {
    this.topics.clear();
    for (const t of topics) this.topics.add(t);
    this.needUpdate = true;
  }

  get interestingTopics(): ReadonlySet<string> {
    return this.topics;
  }

  /** Marks the metadata stale: the next check refreshes it. */
  requestUpdate(): void {
    this.needUpdate = true;
  }

  get updateRequested(): boolean {
    return this.needUpdate;
  }

  /** Milliseconds until a refresh is due (0: now). */
  timeToNextUpdate(now = Date.now()): number {
    const backoff = Math.max(0, this.lastRefreshMs + this.options.retryBackoffMs - now);
    const expiry = this.needUpdate ? 0 : Math.max(0, this.lastSuccessfulRefreshMs + this.options.maxAgeMs - now);
    return Math.max(backoff, expiry);
  }

  /** Calls `listener` after every update; returns a function that removes it. */
  onUpdate(listener: (cluster: Cluster) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a refresh if one is due and none is running (errors are kept for the next check). */
  maybeUpdate(): void {
    if (this.closed || this.inFlight) return;
    // The timer can fire a little before Date.now() says the refresh is due (timers run on the
    // event loop's cached clock, which lags under load): then it must be re-armed, or the
    // periodic refresh stops for good and a pattern subscription never sees new topics.
    if (this.timeToNextUpdate() > 0) return this.schedule();
    this.update().catch(() => undefined);
  }

  /** Refreshes now (or joins the refresh already running) and resolves to the new Cluster. */
  update(): Promise<Cluster> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
  }

  private async fetch(): Promise<Cluster> {
    this.lastRefreshMs = Date.now();
    this.needUpdate = false;
    const node = this.client.leastLoadedNode();
    if (node === undefined) {
      this.needUpdate = true;
      throw new NetworkError('no broker to ask for metadata: every known broker is unreachable');
    }
    const topics = [...this.topics];
    try {
      const response = await this.client.send(node, Api.Metadata, (version: number) => ({
        topics: this.allTopics ? (version === 0 ? [] : null) : topics.map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: this.options.allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }));
      const cluster = toCluster(response);
      this.cluster = cluster;
      this.updateVersion++;
      this.lastSuccessfulRefreshMs = Date.now();
      // A topic without a leader yet (just created) is asked about again soon.
      for (const t of cluster.topics.values()) {
        if (t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.partitions.some((p) => p.leader < 0))
          this.needUpdate = true;
      }
      for (const listener of this.listeners) listener(cluster);
      return cluster;
    } catch (e) {
      this.needUpdate = true;
      throw e;
    }
  }

  /**
   * Waits until `topic` has partitions in the metadata (Kafka's
   * waitOnMetadata), refreshing as needed; a TimeoutError after `maxWaitMs`,
   * or the topic's error at once when retrying cannot help (an invalid name,
   * no authorization). `configuredMs` is what the message reports: the
   * producer waits what is left of max.block.ms, and says max.block.ms as Kafka does.
   */
  async waitForTopic(topic: string, maxWaitMs: number, configuredMs = maxWaitMs): Promise<TopicMetadata> {
    this.add(topic);
    const deadline = Date.now() + maxWaitMs;
    let lastError: Error | undefined;
    for (;;) {
      const known = this.cluster.topic(topic);
      if (known && known.errorCode === ErrorCode.NONE && known.partitions.length > 0) return known;
      if (known && known.errorCode !== ErrorCode.NONE) {
        const error = kafkaErrorFor(known.errorCode, `topic ${topic}`);
        if (!error.retriable) throw error;
        lastError = error;
      }
      const now = Date.now();
      if (now >= deadline) {
        throw new TimeoutError(`Topic ${topic} not present in metadata after ${configuredMs} ms${lastError ? ` (last error: ${lastError.message})` : ''}.`);
      }
      this.needUpdate = true;
      const wait = this.timeToNextUpdate(now);
      if (wait > 0) await sleep(Math.min(wait, deadline - now));
      else {
        try {
          await withTimeout(this.update(), deadline - now, `no metadata in ${deadline - now} ms`);
        } catch (e) {
          if (e instanceof KafkaApiError && !e.retriable) throw e;
          lastError = e as Error;
        }
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

function toCluster(response: MessageData<typeof Api.Metadata.response>): Cluster {
  const nodes = new Map<number, BrokerNode>();
  for (const b of response.brokers) nodes.set(b.nodeId, { id: b.nodeId, host: b.host, port: b.port, rack: b.rack });
  const topics = new Map<string, TopicMetadata>();
  for (const t of response.topics) {
    const name = t.name;
    if (name === null) continue;
    const partitions: PartitionMetadata[] = t.partitions
      .map((p) => ({
        topic: name,
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
      }))
      .sort((a, b) => a.partition - b.partition);
    topics.set(name, { name, topicId: t.topicId, errorCode: t.errorCode, isInternal: t.isInternal, partitions });
  }
  return new Cluster(response.clusterId, response.controllerId, nodes, topics);
}
