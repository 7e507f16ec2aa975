import type { AppendOrigin } from '../../../storage/log/append-origin.js';
import type { AppendInfo, FetchData, Log } from '../../../storage/log/log.js';
import type { ActiveProducer, TransactionVerifier } from '../../../storage/log/producer-state.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { FollowerState } from './follower-state.js';

/** A partition's state as the controller decides it (LeaderAndIsr's partition state). */
export interface PartitionState {
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  /** The version of the partition's state znode: the leader's ISR changes are written conditionally on it. */
  partitionEpoch: number;
  replicas: readonly number[];
}

/** A leader's proposed ISR, as written to the partition's state. */
export interface IsrChange {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  controllerEpoch: number;
  /** The state version the change is conditional on. */
  partitionEpoch: number;
}

/**
 * Where a leader records ISR changes (the partition's state znode in a
 * cluster). Resolves the new partition epoch, or null when the write was
 * refused because the state moved on (a new leader or controller decided).
 */
export interface IsrWriter {
  write(change: IsrChange): Promise<number | null>;
}

interface ReplicationWaiter {
  requiredOffset: number;
  resolve(errorCode: number): void;
  timer: NodeJS.Timeout;
}

export interface PartitionOptions {
  /** replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR. */
  replicaLagTimeMaxMs: number;
  isrWriter?: IsrWriter;
  now?: () => number;
  warn?: (message: string) => void;
  /** Where appends failing on the storage (KAFKA_STORAGE_ERROR: a full disk) are reported; `warn` by default. */
  error?: (message: string) => void;
}

/**
 * One partition as this broker sees it: its log, its role (leader or
 * follower), the replicas and in-sync replicas, and the high watermark.
 *
 * As leader it tracks each follower's fetches (FollowerState), keeps the
 * high watermark at the smallest log end of the in-sync replicas, grows and
 * shrinks the ISR (proposing one change at a time through the IsrWriter and
 * counting a follower being added as in sync while the change is written,
 * Kafka's "maximal ISR"), and completes acks=all produces once the high
 * watermark passes them. As follower it appends the leader's batches as they
 * are and takes the leader's high watermark. A single broker is the
 * degenerate case: replicas = ISR = [itself], so the high watermark follows
 * the log end at once.
 */
export class Partition {
  leaderId = -1;
  leaderEpoch = -1;
  controllerEpoch = -1;
  partitionEpoch = 0;
  replicas: number[] = [];
  /** The ISR as last written to the partition's state. */
  isr: number[] = [];
  /** An ISR change being written, if any. */
  private pendingIsr: number[] | undefined;
  /** Where this epoch's leadership started in the log. */
  private leaderEpochStartOffset = 0;
  private readonly followers = new Map<number, FollowerState>();
  private readonly waiters: ReplicationWaiter[] = [];
  private readonly appendListeners = new Set<(bytes: number) => void>();
  private readonly visibleListeners = new Set<(bytes: number) => void>();
  /** Appends above the high watermark as [end offset, bytes], so consumers waiting for bytes learn how many became visible. */
  private readonly invisible: Array<[number, number]> = [];
  private readonly now: () => number;
  /** Appends are failing on the storage: reported when they start to and when they stop. */
  private storageFailing = false;

  constructor(
    readonly topic: string,
    readonly topicId: Buffer,
    readonly index: number,
    readonly log: Log,
    readonly localBrokerId: number,
    private readonly options: PartitionOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leaderId === this.localBrokerId;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Where read_committed consumers stop: the first offset of the earliest unfinished transaction, else the high watermark. */
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** The ISR the high watermark waits for: the written one plus a follower being added. */
  get maximalIsr(): readonly number[] {
    if (!this.pendingIsr) return this.isr;
    return [...new Set([...this.isr, ...this.pendingIsr])];
  }

  /** The replicas the leader has not seen in sync for replica.lag.time.max.ms (Kafka's OSR). */
  outOfSyncReplicas(): number[] {
    return this.replicas.filter((id) => !this.isr.includes(id));
  }

  /**
   * Becomes (or stays) leader with the controller's state: records where the
   * epoch starts in the log (once appends and truncations under way are done), forgets what it knew of followers (they count as
   * caught up now if in the ISR, so none is dropped before it can fetch) and
   * moves the high watermark if it can. Returns whether the leadership is new.
   */
  async makeLeader(state: PartitionState): Promise<boolean> {
    const isNew = !this.isLeader || state.leaderEpoch !== this.leaderEpoch;
    this.applyState(state);
    this.leaderId = this.localBrokerId;
    // All of the leader's state but the epoch's start is set at once: followers fetch, and
    // producers append in the new epoch, while that start is being recorded below.
    const now = this.now();
    for (const id of [...this.followers.keys()]) if (!this.replicas.includes(id)) this.followers.delete(id);
    for (const id of this.replicas) {
      if (id === this.localBrokerId) continue;
      if (isNew || !this.followers.has(id)) this.followers.set(id, new FollowerState(id, this.isr.includes(id) ? now : 0));
    }
    if (isNew) {
      // What was appended above the high watermark under an earlier leader is counted again as it becomes visible.
      this.invisible.length = 0;
      if (this.log.highWatermark < this.log.logEndOffset) this.invisible.push([this.log.logEndOffset, 0]);
      this.leaderEpochStartOffset = this.log.logEndOffset;
      // The epoch starts after what is still being written: the last fetch of the fetcher this
      // partition left, a truncation. (An append in the new epoch meanwhile records it itself.)
      await this.log.settled();
      await this.log.leaderEpochs.assign(state.leaderEpoch, this.log.logEndOffset);
      this.leaderEpochStartOffset = [...this.log.leaderEpochs.all].reverse().find((e) => e.epoch === state.leaderEpoch)?.startOffset ?? this.log.logEndOffset;
    }
    this.maybeIncrementHighWatermark();
    return isNew;
  }

  /** Becomes (or stays) a follower of `state.leader`; returns whether the leader or its epoch changed (the fetcher must start over). */
  makeFollower(state: PartitionState): boolean {
    const changed = this.leaderId !== state.leader || this.leaderEpoch !== state.leaderEpoch;
    const wasLeader = this.isLeader;
    this.applyState(state);
    this.leaderId = state.leader;
    if (wasLeader) {
      this.followers.clear();
      this.invisible.length = 0;
      this.failWaiters(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    return changed;
  }

  /** Stops being a replica (StopReplica, topic deletion): waiting produces fail. */
  stop(): void {
    this.leaderId = -1;
    this.followers.clear();
    this.failWaiters(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }

  private applyState(state: PartitionState): void {
    this.controllerEpoch = state.controllerEpoch;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = [...state.replicas];
    this.isr = [...state.isr];
    this.pendingIsr = undefined;
  }

  /**
   * Appends batches as leader: a producer's (AppendOrigin.Client: every
   * record walked, producers' rules applied; a transactional batch starting a
   * transaction here must pass `verifyTransaction`, the transaction
   * coordinator's KIP-890 check) or a coordinator's (transaction markers,
   * offsets). acks=all needs min.insync.replicas in the ISR, checked before
   * writing (Kafka's NOT_ENOUGH_REPLICAS); waiting for the followers is
   * `waitForReplication`.
   */
  async appendAsLeader(records: Buffer, requiredAcks: number, origin: AppendOrigin, verifyTransaction?: TransactionVerifier): Promise<AppendInfo> {
    this.checkLeader();
    const minIsr = this.log.config.minInSyncReplicas;
    if (requiredAcks === -1 && this.isr.length < minIsr) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.topic}-${this.index}: ${this.isr.length} in-sync replicas, min.insync.replicas is ${minIsr}`);
    }
    const info = await this.reportingStorage(this.log.append(records, { leaderEpoch: this.leaderEpoch, origin, verifyTransaction }));
    this.appended(records.length, info.lastOffset + 1);
    return info;
  }

  /** Appends the leader's batches as they are (same offsets and epochs), as a follower. */
  async appendAsFollower(records: Buffer): Promise<AppendInfo> {
    if (this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.index}: this broker is the leader`);
    const info = await this.reportingStorage(this.log.appendAsFollower(records));
    this.appended(records.length, info.lastOffset + 1);
    return info;
  }

  /** An append, reporting when appends start failing on the storage and when they succeed again (not every failure). */
  private async reportingStorage(append: Promise<AppendInfo>): Promise<AppendInfo> {
    let info: AppendInfo;
    try {
      info = await append;
    } catch (error) {
      if (errorCodeOf(error) === ErrorCode.KAFKA_STORAGE_ERROR && !this.storageFailing) {
        this.storageFailing = true;
        (this.options.error ?? this.options.warn)?.(
          `appends to ${this.topic}-${this.index} fail in ${this.log.dir.path}, answered KAFKA_STORAGE_ERROR until one succeeds: ${(error as Error).message}`,
        );
      }
      throw error;
    }
    if (this.storageFailing) {
      this.storageFailing = false;
      this.options.warn?.(`appends to ${this.topic}-${this.index} succeed again`);
    }
    return info;
  }

  private appended(bytes: number, end: number): void {
    if (this.isLeader) this.invisible.push([end, bytes]);
    this.maybeIncrementHighWatermark();
    for (const listener of this.appendListeners) listener(bytes);
  }

  /** A follower takes the leader's high watermark, never past its own log end. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw > this.log.highWatermark) this.log.highWatermark = hw;
  }

  /**
   * The leader learns from a follower's Fetch where the follower's log ends
   * (its fetch offset), may add it to the ISR and move the high watermark.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, logStartOffset: number): void {
    this.checkLeader();
    const follower = this.followers.get(replicaId);
    if (!follower)
      throw new KafkaError(
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `${this.topic}-${this.index}: broker ${replicaId} is not a replica (replicas ${this.replicas.join(',')})`,
      );
    follower.update(fetchOffset, logStartOffset, this.now(), this.log.logEndOffset);
    this.maybeExpandIsr(follower);
    this.maybeIncrementHighWatermark();
  }

  /** The high watermark: the smallest log end among the maximal ISR and the followers caught up within replica.lag.time.max.ms, never moving back. */
  private maybeIncrementHighWatermark(): void {
    if (!this.isLeader) return;
    const now = this.now();
    const inSync = this.maximalIsr;
    let hw = this.log.logEndOffset;
    for (const follower of this.followers.values()) {
      const counted =
        inSync.includes(follower.brokerId) || (follower.logEndOffset >= 0 && now - follower.lastCaughtUpTimeMs <= this.options.replicaLagTimeMaxMs);
      if (counted) hw = Math.min(hw, Math.max(follower.logEndOffset, 0));
    }
    const old = this.log.highWatermark;
    if (hw <= old) return;
    this.log.highWatermark = hw;
    let bytes = 0;
    while (this.invisible.length > 0 && this.invisible[0]![0] <= hw) bytes += this.invisible.shift()![1];
    if (bytes === 0) bytes = 1; // data of an earlier leadership became visible: wake consumers without a count
    for (const listener of this.visibleListeners) listener(bytes);
    this.completeWaiters();
  }

  private maybeExpandIsr(follower: FollowerState): void {
    if (this.pendingIsr || this.isr.includes(follower.brokerId) || !this.replicas.includes(follower.brokerId)) return;
    if (follower.logEndOffset < this.log.highWatermark || follower.logEndOffset < this.leaderEpochStartOffset) return;
    this.proposeIsr([...this.isr, follower.brokerId], `broker ${follower.brokerId} caught up`);
  }

  /** Drops followers not caught up for replica.lag.time.max.ms from the ISR (run periodically by the ReplicaManager). */
  maybeShrinkIsr(): void {
    if (!this.isLeader || this.pendingIsr) return;
    const now = this.now();
    const lagging = this.isr.filter((id) => {
      if (id === this.localBrokerId) return false;
      const follower = this.followers.get(id);
      return !follower || now - follower.lastCaughtUpTimeMs > this.options.replicaLagTimeMaxMs;
    });
    if (lagging.length > 0)
      this.proposeIsr(
        this.isr.filter((id) => !lagging.includes(id)),
        `broker(s) ${lagging.join(',')} not caught up for ${this.options.replicaLagTimeMaxMs} ms`,
      );
  }

  private proposeIsr(isr: number[], reason: string): void {
    const writer = this.options.isrWriter;
    if (!writer) return; // a single broker's ISR is itself, always
    this.pendingIsr = isr;
    const epoch = this.leaderEpoch;
    const change: IsrChange = {
      topic: this.topic,
      partition: this.index,
      leader: this.localBrokerId,
      leaderEpoch: epoch,
      isr,
      controllerEpoch: this.controllerEpoch,
      partitionEpoch: this.partitionEpoch,
    };
    writer.write(change).then(
      (version) => {
        if (this.pendingIsr !== isr) return; // superseded by a new state from the controller
        this.pendingIsr = undefined;
        if (version === null || !this.isLeader || this.leaderEpoch !== epoch) {
          this.options.warn?.(
            `${this.topic}-${this.index}: ISR change to [${isr.join(',')}] refused (the partition state moved on); waiting for the controller`,
          );
          return;
        }
        this.isr = isr;
        this.partitionEpoch = version;
        this.options.warn?.(`${this.topic}-${this.index}: ISR is now [${isr.join(',')}] (${reason})`);
        this.maybeIncrementHighWatermark();
        this.completeWaiters(); // NOT_ENOUGH_REPLICAS_AFTER_APPEND may now be decided
      },
      (error: unknown) => {
        if (this.pendingIsr === isr) this.pendingIsr = undefined;
        this.options.warn?.(`${this.topic}-${this.index}: writing ISR [${isr.join(',')}] failed (${(error as Error).message}); will retry`);
      },
    );
  }

  /**
   * acks=all: resolves once the high watermark reaches `requiredOffset`
   * (NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR fell below
   * min.insync.replicas meanwhile, else NONE), REQUEST_TIMED_OUT after
   * `timeoutMs`, NOT_LEADER_OR_FOLLOWER if the leadership goes.
   */
  waitForReplication(requiredOffset: number, timeoutMs: number): Promise<number> {
    const now = this.decide(requiredOffset);
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: ReplicationWaiter = {
        requiredOffset,
        resolve,
        timer: setTimeout(
          () => {
            const at = this.waiters.indexOf(waiter);
            if (at >= 0) this.waiters.splice(at, 1);
            resolve(ErrorCode.REQUEST_TIMED_OUT);
          },
          Math.max(0, timeoutMs),
        ),
      };
      // Kept in order of requiredOffset (appends finish in offset order, so this is almost always the end): completion takes a prefix.
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.requiredOffset > requiredOffset) at--;
      this.waiters.splice(at, 0, waiter);
    });
  }

  private decide(requiredOffset: number): number | undefined {
    if (!this.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (this.log.highWatermark < requiredOffset) return undefined;
    return this.isr.length < this.log.config.minInSyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
  }

  /** Answers the waiters the high watermark has passed: a prefix of the list, taken in one splice (one at a time was quadratic in the waiters, which grow under load). */
  private completeWaiters(): void {
    let done = 0;
    while (done < this.waiters.length && this.decide(this.waiters[done]!.requiredOffset) !== undefined) done++;
    if (done === 0) return;
    for (const waiter of this.waiters.splice(0, done)) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.decide(waiter.requiredOffset)!);
    }
  }

  private failWaiters(errorCode: number): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(errorCode);
    }
  }

  private checkLeader(): void {
    if (!this.isLeader)
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server is not the leader for ${this.topic}-${this.index} (leader ${this.leaderId})`);
  }

  /** Reads stored batches: consumers up to the high watermark, followers up to the log end. The caller owns the bytes (see FetchData). */
  read(offset: number, maxBytes: number, upToOffset: number): Promise<FetchData> {
    return this.log.read(offset, maxBytes, upToOffset);
  }

  /** A read_committed consumer's read: up to the last stable offset, with the aborted transactions it overlaps. */
  readCommitted(offset: number, maxBytes: number): Promise<FetchData> {
    return this.log.readCommitted(offset, maxBytes);
  }

  /** The producers this replica's log knows (DescribeProducers). */
  activeProducers(): ActiveProducer[] {
    return this.log.producerState.activeProducers();
  }

  /** Calls `listener` with the byte count of every append (followers wait for these) until the returned function is called. */
  onAppend(listener: (bytes: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Calls `listener` with the bytes that became visible to consumers each time the high watermark moves. */
  onVisible(listener: (bytes: number) => void): () => void {
    this.visibleListeners.add(listener);
    return () => this.visibleListeners.delete(listener);
  }

  /** Fetches the purgatory holds on this partition: followers' waiting for appends, consumers' for the high watermark. */
  get waitingFetches(): number {
    return this.appendListeners.size + this.visibleListeners.size;
  }

  /** KIP-320: a client's view of the leader epoch must match ours. */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return;
    if (currentLeaderEpoch < this.leaderEpoch)
      throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is older than the current ${this.leaderEpoch}`);
    throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is newer than the current ${this.leaderEpoch}`);
  }
}
