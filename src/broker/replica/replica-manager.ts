import type { LogConfig } from '../../../storage/config/log-config.js';
import type { LogManager } from '../../../storage/log/log-manager.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { BrokerLog } from '../broker-log.js';
import { javaStringHashCode, kafkaAbs } from '../group/java-hash.js';
import { type IsrWriter, Partition, type PartitionState } from './partition.js';
import { type FetchState, type LeaderEndpoint, ReplicaFetcher, type ReplicaFetcherConfig } from './replica-fetcher.js';

export interface ReplicaManagerOptions {
  brokerId: number;
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: number;
  /** num.replica.fetchers: fetchers per leader broker. */
  numReplicaFetchers: number;
  fetcher: Omit<ReplicaFetcherConfig, 'brokerId'>;
  /** Where leaders write ISR changes; none on a single broker, whose ISR never changes. */
  isrWriter?: IsrWriter;
  /** Whether the cluster's metadata has the partition (a cluster's metadata cache; a single broker hosts all it knows). */
  knowsPartition?: (topic: string, index: number) => boolean;
  log: BrokerLog;
}

/** One partition of a LeaderAndIsr request. */
export interface LeaderAndIsrPartition extends PartitionState {
  topic: string;
  partition: number;
  topicId: Buffer;
}

/** How a topic's logs are configured: its config overrides and what they resolve to. */
export type TopicLogSettings = (topic: string) => Promise<{ config: LogConfig; overrides: Record<string, unknown> }>;

export type LeadershipListener = (becameLeader: readonly Partition[], becameFollower: readonly Partition[]) => void;

const key = (topic: string, partition: number) => `${topic}-${partition}`;

/**
 * The partitions this broker hosts, as leader or follower (Kafka's
 * ReplicaManager): it applies the controller's LeaderAndIsr and StopReplica
 * decisions, runs the replica fetchers that copy followed partitions from
 * their leaders, shrinks ISRs of lagging followers, and is where fetches wait
 * for data (Kafka's fetch purgatory: a fetch that found less than min_bytes
 * waits until appends bring enough or max_wait_ms passes).
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  /** Topic ids of the hosted partitions' topics (hex → name), for fetches by topic id. */
  private readonly topicNames = new Map<string, string>();
  private readonly waiters = new Set<() => void>();
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  private readonly leadershipListeners = new Set<LeadershipListener>();
  private controllerEpoch = -1;
  /** num.replica.fetchers in effect: fetchers per leader broker. */
  private fetchersPerLeader: number;
  /** The fetcher resize in progress (they run one after another). */
  private resizes: Promise<void> = Promise.resolve();
  private shuttingDown = false;
  /** Set once the fetchers are stopped for good (the broker is shutting down). */
  private stopped = false;
  private isrTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logManager: LogManager,
    private readonly options: ReplicaManagerOptions,
  ) {
    this.fetchersPerLeader = options.numReplicaFetchers;
  }

  get brokerId(): number {
    return this.options.brokerId;
  }

  getPartition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(key(topic, index));
  }

  /** The name of a topic this broker hosts partitions of, by its id. */
  topicName(topicId: Buffer): string | undefined {
    return this.topicNames.get(topicId.toString('hex'));
  }

  allPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  /** The partition if this broker leads it; otherwise the error `notHostedError` or NOT_LEADER_OR_FOLLOWER, as Kafka answers. */
  leaderPartition(topic: string, index: number): Partition {
    const partition = this.partitions.get(key(topic, index));
    if (!partition) throw new KafkaError(this.notHostedError(topic, index), `This server does not host this topic-partition: ${topic}-${index}`);
    if (!partition.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server is not the leader for ${topic}-${index}`);
    return partition;
  }

  /**
   * The error for a partition this broker does not host (Kafka's getPartitionOrError): one the
   * metadata has lives elsewhere, or here once the controller's LeaderAndIsr arrives (the
   * metadata may name this broker first), so NOT_LEADER_OR_FOLLOWER sends the client to
   * refresh it; a partition the metadata lacks is UNKNOWN_TOPIC_OR_PARTITION.
   */
  notHostedError(topic: string, index: number): number {
    return this.options.knowsPartition?.(topic, index) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  /** Calls `listener` after every LeaderAndIsr with the partitions that became led or followed here (the group coordinator loads and unloads on it). */
  onLeadershipChange(listener: LeadershipListener): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  /**
   * A single broker's partition: opens (creating if new) its log and leads
   * it with replicas = ISR = this broker. `overrides` are the topic's own
   * configs, so a new log's first segment is created with them; `config` is
   * what they resolve to.
   */
  async becomeLeader(
    topic: string,
    topicId: Buffer,
    index: number,
    replicas: number[],
    config: LogConfig,
    overrides: Record<string, unknown> = {},
  ): Promise<Partition> {
    const existing = this.partitions.get(key(topic, index));
    if (existing) return existing;
    const partition = await this.openPartition(topic, topicId, index, config, overrides, false);
    await partition.makeLeader({ controllerEpoch: 0, leader: this.brokerId, leaderEpoch: 0, isr: replicas, partitionEpoch: 0, replicas });
    return partition;
  }

  private async openPartition(
    topic: string,
    topicId: Buffer,
    index: number,
    config: LogConfig,
    overrides: Record<string, unknown>,
    replicated: boolean,
  ): Promise<Partition> {
    this.topicNames.set(topicId.toString('hex'), topic);
    const log = await this.logManager.getOrCreateLog(topic, index, overrides);
    log.config = config;
    if (replicated) {
      // A replica restarts from the high watermark it last checkpointed, never from its log end: what lies above was not known committed.
      log.highWatermark = Math.min(this.logManager.checkpointedHighWatermark(topic, index) ?? log.logStartOffset, log.logEndOffset);
    }
    const partition = new Partition(topic, topicId, index, log, this.brokerId, {
      replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs,
      isrWriter: this.options.isrWriter,
      warn: (m) => this.options.log('info', m),
      error: (m) => this.options.log('error', m),
    });
    this.partitions.set(key(topic, index), partition);
    return partition;
  }

  /**
   * LeaderAndIsr: the controller's decision for some partitions. A request
   * from an older controller is refused (STALE_CONTROLLER_EPOCH); a partition
   * state older than the one applied is ignored with that error too. Partitions
   * this broker now leads stop being fetched; those it follows are truncated
   * and fetched from their leader (`leaders` gives the leaders' endpoints).
   */
  async applyLeaderAndIsr(
    controllerEpoch: number,
    states: readonly LeaderAndIsrPartition[],
    leaders: readonly LeaderEndpoint[],
    settings: TopicLogSettings,
  ): Promise<{ errorCode: number; partitions: Map<string, number> }> {
    const errors = new Map<string, number>();
    if (controllerEpoch < this.controllerEpoch) return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: errors };
    this.controllerEpoch = controllerEpoch;
    const becameLeader: Partition[] = [];
    const becameFollower: Partition[] = [];
    const followed: Array<{ partition: Partition; state: LeaderAndIsrPartition }> = [];
    for (const state of states) {
      const k = key(state.topic, state.partition);
      let partition = this.partitions.get(k);
      if (partition && state.leaderEpoch < partition.leaderEpoch) {
        errors.set(k, ErrorCode.STALE_CONTROLLER_EPOCH);
        continue;
      }
      if (!state.replicas.includes(this.brokerId)) {
        errors.set(k, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      try {
        if (!partition) {
          const { config, overrides } = await settings(state.topic);
          partition = await this.openPartition(state.topic, state.topicId, state.partition, config, overrides, true);
        }
        if (state.leader === this.brokerId) {
          this.removeFromFetchers([k]);
          if (await partition.makeLeader(state)) becameLeader.push(partition);
        } else {
          const changed = partition.makeFollower(state);
          if (changed || !this.isFetched(partition)) followed.push({ partition, state });
          if (changed) becameFollower.push(partition);
        }
        errors.set(k, ErrorCode.NONE);
      } catch (e) {
        this.options.log('error', `LeaderAndIsr for ${k} failed: ${(e as Error).stack ?? e}`);
        errors.set(k, ErrorCode.KAFKA_STORAGE_ERROR);
      }
    }
    this.removeFromFetchers(followed.map(({ partition }) => key(partition.topic, partition.index)));
    const endpoints = new Map(leaders.map((l) => [l.brokerId, l]));
    const added = new Map<ReplicaFetcher, string[]>();
    for (const { partition, state } of followed) {
      const leader = endpoints.get(state.leader);
      // A broker that has stopped its fetchers starts none: nothing would stop it.
      if (!leader || this.stopped) continue;
      const fetcher = this.fetcherFor(leader, partition);
      fetcher.addPartitions([{ partition, topicId: state.topicId }]);
      added.set(fetcher, [...(added.get(fetcher) ?? []), key(partition.topic, partition.index)]);
    }
    this.logAdded(added);
    if (becameLeader.length > 0 || becameFollower.length > 0) for (const listener of this.leadershipListeners) listener(becameLeader, becameFollower);
    return { errorCode: ErrorCode.NONE, partitions: errors };
  }

  /** StopReplica: stops fetching these partitions and, with `deletePartition`, removes their logs (topic deletion, reassignment). */
  async stopReplicas(
    controllerEpoch: number,
    partitions: ReadonlyArray<{ topic: string; partition: number; deletePartition: boolean }>,
  ): Promise<{ errorCode: number; partitions: Map<string, number> }> {
    const errors = new Map<string, number>();
    if (controllerEpoch < this.controllerEpoch) return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: errors };
    this.controllerEpoch = controllerEpoch;
    this.removeFromFetchers(partitions.map((p) => key(p.topic, p.partition)));
    const stopped: Partition[] = [];
    for (const p of partitions) {
      const partition = this.partitions.get(key(p.topic, p.partition));
      if (partition) {
        if (partition.isLeader) stopped.push(partition);
        partition.stop();
      }
      try {
        if (p.deletePartition) await this.deletePartition(p.topic, p.partition);
        errors.set(key(p.topic, p.partition), ErrorCode.NONE);
      } catch (e) {
        this.options.log('error', `StopReplica for ${p.topic}-${p.partition} failed: ${(e as Error).message}`);
        errors.set(key(p.topic, p.partition), ErrorCode.KAFKA_STORAGE_ERROR);
      }
    }
    if (stopped.length > 0) for (const listener of this.leadershipListeners) listener([], stopped);
    return { errorCode: ErrorCode.NONE, partitions: errors };
  }

  async deletePartition(topic: string, index: number): Promise<void> {
    const partition = this.partitions.get(key(topic, index));
    partition?.stop();
    this.removeFromFetchers([key(topic, index)]);
    this.partitions.delete(key(topic, index));
    if (partition && ![...this.partitions.values()].some((p) => p.topic === topic)) this.topicNames.delete(partition.topicId.toString('hex'));
    await this.logManager.deleteLog(topic, index);
  }

  private isFetched(partition: Partition): boolean {
    for (const fetcher of this.fetchers.values()) if (fetcher.has(partition.topic, partition.index)) return true;
    return false;
  }

  /** Kafka's line for partitions given to fetchers (AbstractFetcherManager's "Added fetcher"), so an operator sees which fetcher follows what. */
  private logAdded(added: ReadonlyMap<ReplicaFetcher, readonly string[]>): void {
    for (const [fetcher, keys] of added)
      this.options.log('info', `added fetcher ${fetcher.fetcherId} to broker ${fetcher.leader.brokerId} for partitions ${keys.join(', ')}`);
  }

  /** Kafka's fetcher choice: a partition goes to fetcher abs(31·hash(topic) + partition) % num.replica.fetchers of its leader. */
  private fetcherFor(leader: LeaderEndpoint, partition: Partition): ReplicaFetcher {
    const fetcherId = kafkaAbs((Math.imul(31, javaStringHashCode(partition.topic)) + partition.index) | 0) % this.fetchersPerLeader;
    const k = `${leader.brokerId}-${fetcherId}`;
    let fetcher = this.fetchers.get(k);
    if (fetcher && (fetcher.leader.host !== leader.host || fetcher.leader.port !== leader.port)) {
      // The leader broker came back at another address: a new fetcher takes its partitions.
      void fetcher.shutdown();
      this.fetchers.delete(k);
      fetcher = undefined;
    }
    if (!fetcher) {
      fetcher = new ReplicaFetcher(leader, fetcherId, { ...this.options.fetcher, brokerId: this.brokerId }, this.options.log);
      this.fetchers.set(k, fetcher);
    }
    return fetcher;
  }

  private removeFromFetchers(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const [k, fetcher] of this.fetchers) {
      fetcher.removePartitions(keys);
      if (fetcher.partitionCount === 0) {
        void fetcher.shutdown();
        this.fetchers.delete(k);
      }
    }
  }

  /** Starts the periodic ISR check (every replica.lag.time.max.ms / 2, as Kafka). */
  startIsrExpiration(): void {
    const every = Math.max(10, Math.floor(this.options.replicaLagTimeMaxMs / 2));
    this.isrTimer = setInterval(() => {
      for (const partition of this.partitions.values()) partition.maybeShrinkIsr();
    }, every);
    this.isrTimer.unref();
  }

  /**
   * Waits until the given partitions have received `bytesWanted` bytes —
   * of appends for a follower's fetch, of data below the high watermark for
   * a consumer's —, `timeoutMs` passes, or the broker shuts down. Returns the bytes seen.
   */
  waitForAppends(partitions: readonly Partition[], bytesWanted: number, timeoutMs: number, replica = false): Promise<number> {
    if (this.shuttingDown) return Promise.resolve(0);
    return new Promise((resolve) => {
      let seen = 0;
      const unsubscribes: Array<() => void> = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const u of unsubscribes) u();
        this.waiters.delete(finish);
        resolve(seen);
      };
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      const onBytes = (bytes: number) => {
        seen += bytes;
        if (seen >= bytesWanted) finish();
      };
      for (const p of partitions) unsubscribes.push(replica ? p.onAppend(onBytes) : p.onVisible(onBytes));
      this.waiters.add(finish);
    });
  }

  /** Fetches waiting for appends now (Kafka's fetch PurgatorySize). */
  get fetchPurgatorySize(): number {
    return this.waiters.size;
  }

  /** Completes every waiting fetch now and stops fetches from waiting (shutdown finishes in-flight requests instead of dropping them). */
  wakeAll(): void {
    this.shuttingDown = true;
    for (const finish of [...this.waiters]) finish();
  }

  /** Replica fetchers running (one per leader broker and fetcher id). */
  get fetcherCount(): number {
    return this.fetchers.size;
  }

  /**
   * num.replica.fetchers changed (Kafka's resizeThreadPool): every followed
   * partition moves to the fetcher the new count hashes it to, from where it
   * stood. The old fetchers give up their partitions and stop first, an
   * append of theirs in progress finishing, so nothing they fetched lands
   * after their partitions moved, and no partition is fetched twice. A
   * partition a LeaderAndIsr moved meanwhile stays where that put it.
   */
  resizeFetchers(count: number): Promise<void> {
    const run = this.resizes.then(() => this.resizeNow(count));
    this.resizes = run.catch(() => undefined);
    return run;
  }

  private async resizeNow(count: number): Promise<void> {
    const was = this.fetchersPerLeader;
    if (count === was || this.stopped) return;
    this.options.log('info', `resizing the replica fetchers from ${was} to ${count} per leader broker`);
    this.fetchersPerLeader = count;
    const old = [...this.fetchers.values()];
    this.fetchers.clear();
    const moving: Array<{ leader: LeaderEndpoint; state: FetchState }> = [];
    for (const fetcher of old) for (const state of fetcher.removeAllPartitions()) moving.push({ leader: fetcher.leader, state });
    await Promise.all(old.map((fetcher) => fetcher.shutdown()));
    if (this.stopped) return;
    const added = new Map<ReplicaFetcher, string[]>();
    for (const { leader, state } of moving) {
      const { partition } = state;
      const k = key(partition.topic, partition.index);
      // Led here now, stopped, following another leader, or already given to a fetcher by a LeaderAndIsr: not ours to move.
      if (this.partitions.get(k) !== partition || partition.leaderId !== leader.brokerId || this.isFetched(partition)) continue;
      const fetcher = this.fetcherFor(leader, partition);
      fetcher.resumePartitions([state]);
      added.set(fetcher, [...(added.get(fetcher) ?? []), k]);
    }
    this.logAdded(added);
  }

  /** Stops the replica fetchers, and starts none after (a broker shutting down follows nothing). */
  async stopFetchers(): Promise<void> {
    this.stopped = true;
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all([...fetchers.map((f) => f.shutdown()), this.resizes]);
  }

  /** Stops the fetchers and the ISR check (before the logs close). */
  async shutdown(): Promise<void> {
    this.wakeAll();
    if (this.isrTimer) clearInterval(this.isrTimer);
    await this.stopFetchers();
  }
}
