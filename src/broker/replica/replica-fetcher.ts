import { setTimeout as sleep } from 'node:timers/promises';
import { UnexpectedAppendOffsetError } from '../../../storage/log/log-errors.js';
import { Api } from '../../clients/network/apis.js';
import { BrokerConnection } from '../../clients/network/broker-connection.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import type { FetchRequest } from '../../protocol/messages/fetch.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerLog } from '../broker-log.js';
import type { Partition } from './partition.js';

type FetchTopic = Item<MessageInput<typeof FetchRequest>['topics']>;

/** The replica.* settings a fetcher follows (Kafka's names and defaults in broker-config.ts). */
export interface ReplicaFetcherConfig {
  /** This broker's id, sent as the replica id of every fetch. */
  brokerId: number;
  /** replica.fetch.max.bytes: per partition. */
  fetchMaxBytes: number;
  /** replica.fetch.response.max.bytes */
  responseMaxBytes: number;
  /** replica.fetch.wait.max.ms */
  maxWaitMs: number;
  /** replica.fetch.min.bytes */
  minBytes: number;
  /** replica.fetch.backoff.ms: the pause after an error. */
  backoffMs: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs: number;
  /** The inter-broker listener's TLS and SASL (plain TCP without). */
  security?: ClientSecurity;
}

export interface LeaderEndpoint {
  brokerId: number;
  host: string;
  port: number;
}

/** A partition a fetcher replicates, and where it stands (a resize hands it to another fetcher as it is). */
export interface FetchState {
  partition: Partition;
  topicId: Buffer;
  /** Truncating: find the divergence with the leader (OffsetForLeaderEpoch) before fetching. */
  truncating: boolean;
  /** The epoch to ask the leader about next while truncating: our latest at first, then older ones the leader may share. */
  askEpoch: number | undefined;
  /** After a partition error, not fetched again before this time. */
  delayedUntil: number;
}

const key = (topic: string, partition: number) => `${topic}-${partition}`;

/**
 * Copies partitions from one leader broker (Kafka's ReplicaFetcherThread):
 * a loop that first truncates each newly followed partition to where its
 * log and the leader's agree (KIP-101/KIP-279: by leader epochs, never by
 * high watermark alone), then sends Fetch requests with this broker's replica
 * id and appends the batches exactly as the leader stored them.
 */
export class ReplicaFetcher {
  private readonly states = new Map<string, FetchState>();
  private connection: BrokerConnection | undefined;
  private running = true;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    readonly leader: LeaderEndpoint,
    readonly fetcherId: number,
    private readonly config: ReplicaFetcherConfig,
    private readonly log: BrokerLog,
  ) {
    this.loop = this.run();
  }

  get partitionCount(): number {
    return this.states.size;
  }

  /** Starts replicating these partitions (each truncates first). */
  addPartitions(items: ReadonlyArray<{ partition: Partition; topicId: Buffer }>): void {
    for (const { partition, topicId } of items) {
      this.states.set(key(partition.topic, partition.index), { partition, topicId, truncating: true, askEpoch: undefined, delayedUntil: 0 });
    }
    this.wake?.();
  }

  removePartitions(keys: Iterable<string>): void {
    for (const k of keys) this.states.delete(k);
  }

  /** Stops replicating every partition and gives back where each stood (Kafka's removeAllPartitions, for a resize). */
  removeAllPartitions(): FetchState[] {
    const all = [...this.states.values()];
    this.states.clear();
    return all;
  }

  /** Replicates partitions another fetcher gave up, from where they stood: one still truncating goes on truncating, the others fetch from their log end. */
  resumePartitions(states: readonly FetchState[]): void {
    for (const state of states) this.states.set(key(state.partition.topic, state.partition.index), { ...state });
    this.wake?.();
  }

  has(topic: string, partition: number): boolean {
    return this.states.has(key(topic, partition));
  }

  async shutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.connection?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.states.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        const connection = await this.connect();
        await this.truncate(connection);
        if (!(await this.fetch(connection))) await this.pause(this.config.backoffMs);
      } catch (error) {
        if (!this.running) break;
        this.log(
          'warn',
          `replica fetcher ${this.fetcherId} of broker ${this.config.brokerId} from broker ${this.leader.brokerId} (${this.leader.host}:${this.leader.port}): ${(error as Error).message}; retrying in ${this.config.backoffMs} ms`,
        );
        this.connection?.close();
        this.connection = undefined;
        await this.pause(this.config.backoffMs);
      }
    }
  }

  /** Waits `ms`, or less if partitions are added or the fetcher stops (a turn of the event loop at least). */
  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((resolve) => (this.wake = resolve))]);
    this.wake = undefined;
  }

  private async connect(): Promise<BrokerConnection> {
    if (this.connection && this.connection.state !== 'closed') return this.connection;
    this.connection = new BrokerConnection(this.leader.brokerId, this.leader.host, this.leader.port, {
      clientId: `broker-${this.config.brokerId}-fetcher-${this.fetcherId}`,
      requestTimeoutMs: this.config.socketTimeoutMs + this.config.maxWaitMs,
      connectTimeoutMs: this.config.socketTimeoutMs,
      maxInFlight: 1,
      sendBufferBytes: -1,
      receiveBufferBytes: -1,
      security: this.config.security,
    });
    await this.connection.connect();
    return this.connection;
  }

  /**
   * For every partition still truncating: asks the leader where the
   * follower's latest epoch ends in the leader's log and truncates there (or
   * at the follower's own end of the largest epoch both have, if lower). An
   * older epoch in the answer means the leader never had ours: ask again with
   * the largest epoch this log has at or below the leader's.
   */
  private async truncate(connection: BrokerConnection): Promise<void> {
    for (let round = 0; round < 8; round++) {
      const pending = [...this.states.values()].filter((s) => s.truncating && s.delayedUntil <= Date.now());
      if (pending.length === 0) return;
      const byTopic = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }>>();
      for (const s of pending) {
        s.askEpoch ??= s.partition.log.leaderEpochs.latestEpoch;
        if (s.askEpoch < 0) {
          // No epochs (an empty log, or nothing left below the leader's): nothing can diverge.
          this.truncated(s);
          continue;
        }
        let list = byTopic.get(s.partition.topic);
        if (!list) byTopic.set(s.partition.topic, (list = []));
        list.push({ partition: s.partition.index, currentLeaderEpoch: s.partition.leaderEpoch, leaderEpoch: s.askEpoch });
      }
      if (byTopic.size === 0) return;
      const response = await connection.request(Api.OffsetForLeaderEpoch, {
        replicaId: this.config.brokerId,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
      for (const topic of response.topics as Array<{
        topic: string;
        partitions: Array<{ errorCode: number; partition: number; leaderEpoch: number; endOffset: number }>;
      }>) {
        for (const p of topic.partitions) {
          const state = this.states.get(key(topic.topic, p.partition));
          if (!state?.truncating) continue;
          if (p.errorCode !== ErrorCode.NONE) this.partitionError(state, p.errorCode, 'OffsetForLeaderEpoch');
          else await this.truncateTo(state, p.leaderEpoch, p.endOffset);
        }
      }
    }
  }

  /**
   * The leader answered: its largest epoch at or below the one asked, and
   * where that epoch ends in its log. If this log has that epoch too, the
   * logs agree up to the smaller of the two ends; if it lacks it, ask next
   * about the largest epoch it has below.
   */
  private async truncateTo(state: FetchState, leaderEpoch: number, leaderEndOffset: number): Promise<void> {
    const log = state.partition.log;
    if (leaderEpoch < 0 || leaderEndOffset < 0) {
      // The leader knows no such epoch: fall back to the high watermark, the last offset known committed.
      await this.truncateLog(state, log.highWatermark);
      this.truncated(state);
      return;
    }
    const local = log.leaderEpochs.endOffsetFor(leaderEpoch, log.logEndOffset);
    if (local.epoch === leaderEpoch || local.epoch < 0) {
      await this.truncateLog(state, Math.min(leaderEndOffset, local.epoch < 0 ? log.logEndOffset : local.endOffset));
      this.truncated(state);
      return;
    }
    state.askEpoch = local.epoch;
  }

  private truncated(state: FetchState): void {
    state.truncating = false;
    state.askEpoch = undefined;
  }

  /**
   * Cuts the log back to `offset`. The log decides once what is being written has settled (a
   * demoted leader's last produce, the previous fetcher's last fetch), never on the log end
   * seen now, which such an append is about to move.
   */
  private async truncateLog(state: FetchState, offset: number): Promise<void> {
    const log = state.partition.log;
    const target = Math.max(offset, log.logStartOffset);
    if (target > log.logEndOffset) return;
    const from = await log.truncateTo(target);
    if (from !== undefined)
      this.log(
        'info',
        `${state.partition.topic}-${state.partition.index}: truncated from ${from} to ${target} to match leader ${this.leader.brokerId} (epoch ${state.partition.leaderEpoch})`,
      );
  }

  /** One Fetch from the leader for every partition ready to fetch; returns false when there was nothing to do. */
  private async fetch(connection: BrokerConnection): Promise<boolean> {
    const now = Date.now();
    const ready = [...this.states.values()].filter((s) => !s.truncating && s.delayedUntil <= now);
    if (ready.length === 0) return false;
    const byTopic = new Map<string, { topic: string; topicId: Buffer; partitions: Array<Item<FetchTopic['partitions']>> }>();
    for (const s of ready) {
      const { partition } = s;
      let entry = byTopic.get(partition.topic);
      if (!entry) byTopic.set(partition.topic, (entry = { topic: partition.topic, topicId: s.topicId, partitions: [] }));
      entry.partitions.push({
        partition: partition.index,
        currentLeaderEpoch: partition.leaderEpoch,
        fetchOffset: partition.logEndOffset,
        lastFetchedEpoch: -1,
        logStartOffset: partition.logStartOffset,
        partitionMaxBytes: this.config.fetchMaxBytes,
      });
    }
    const replica = { replicaId: this.config.brokerId, replicaEpoch: -1 };
    const response = await connection.request(Api.Fetch, (version: number) => ({
      // From v15 the replica id travels in ReplicaState (KIP-903).
      ...(version >= 15 ? { replicaState: replica } : { replicaId: this.config.brokerId }),
      maxWaitMs: this.config.maxWaitMs,
      minBytes: this.config.minBytes,
      maxBytes: this.config.responseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: [],
      rackId: '',
    }));
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`Fetch failed with ${errorName(response.errorCode)}`);
    for (const topic of response.responses as Array<{
      topic: string;
      topicId: Buffer;
      partitions: Array<{ partitionIndex: number; errorCode: number; highWatermark: number; logStartOffset: number; records: Buffer | null }>;
    }>) {
      const name = topic.topic || [...byTopic.values()].find((t) => t.topicId.equals(topic.topicId))?.topic;
      if (!name) continue;
      for (const p of topic.partitions) {
        const state = this.states.get(key(name, p.partitionIndex));
        if (!state || state.truncating) continue; // removed or reset while the fetch was out
        await this.processPartition(state, p);
      }
    }
    return true;
  }

  private async processPartition(
    state: FetchState,
    p: { errorCode: number; highWatermark: number; logStartOffset: number; records: Buffer | null },
  ): Promise<void> {
    const { partition } = state;
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (partition.logEndOffset < p.logStartOffset) {
        // The leader no longer has what we would fetch next (retention, DeleteRecords): start over at its log start.
        this.log('info', `${partition.topic}-${partition.index}: restarting the replica at the leader's log start ${p.logStartOffset}`);
        await partition.log.truncateFullyAndStartAt(p.logStartOffset);
      } else {
        state.truncating = true;
        state.askEpoch = undefined;
      }
      return;
    }
    if (p.errorCode !== ErrorCode.NONE) {
      this.partitionError(state, p.errorCode, 'Fetch');
      return;
    }
    try {
      if (p.records && p.records.length > 0) await partition.appendAsFollower(p.records);
    } catch (error) {
      if (error instanceof UnexpectedAppendOffsetError) {
        state.truncating = true; // the fetch raced a truncation: find the divergence again
        state.askEpoch = undefined;
        return;
      }
      throw error;
    }
    partition.updateFollowerHighWatermark(p.highWatermark);
    if (partition.logStartOffset < p.logStartOffset && p.logStartOffset <= partition.highWatermark) await partition.log.deleteRecordsBefore(p.logStartOffset);
  }

  /** Errors that a new LeaderAndIsr will settle (a stale or future leader epoch, a leader that moved) pause the partition; it is retried after the backoff. */
  private partitionError(state: FetchState, errorCode: number, api: string): void {
    state.delayedUntil = Date.now() + this.config.backoffMs;
    if (errorCode !== ErrorCode.UNKNOWN_LEADER_EPOCH && errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && errorCode !== ErrorCode.FENCED_LEADER_EPOCH) {
      this.log('warn', `${state.partition.topic}-${state.partition.index}: ${api} from leader ${this.leader.brokerId} answered ${errorName(errorCode)}`);
    }
  }
}
