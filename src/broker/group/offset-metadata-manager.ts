import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type { BrokerLog } from '../broker-log.js';
import type { CommittedOffset, GroupMetadata } from './group-metadata.js';
import { type GroupMetadataManager, groupStoreError, offsetStoreError, type StoredOffset, type TransactionalProducer } from './group-metadata-manager.js';
import type {
  CommitInput,
  CommitPartition,
  CommitResult,
  FetchedPartition,
  FetchResult,
  FetchTopics,
  OffsetDeleteResult,
  OffsetDeleteTopics,
} from './group-requests.js';

export interface OffsetsConfig {
  /** offsets.retention.minutes, in ms. */
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
}

/** A partition of an OffsetCommit that passed the partition checks, by its place in the request. */
interface CommitEntry {
  i: number;
  j: number;
  topic: string;
  p: CommitPartition;
}

/**
 * Committed offsets (the offsets part of Kafka's GroupMetadataManager):
 * OffsetCommit, OffsetFetch, OffsetDelete, and the expiry of offsets past
 * offsets.retention.minutes, with the tombstones that remove them from
 * __consumer_offsets and the end of Empty groups left with none.
 *
 * A commit is checked, written, and only then applied to the group's
 * offsets (`apply`). A transactional commit (TxnOffsetCommit) is checked and
 * written the same way, then kept pending per producer until its
 * transaction's marker either applies it or drops it (`completeTransaction`).
 */
export class OffsetMetadataManager {
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiring: Promise<number> | undefined;

  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly config: OffsetsConfig,
    private readonly topicPartitionExists: (topic: string, partition: number) => boolean,
    /** Stops the timers of a group that goes Dead here (Empty, its last offset removed). */
    private readonly onGroupRemoved: (group: GroupMetadata) => void,
    private readonly log: BrokerLog,
    private readonly now: () => number,
  ) {}

  /** Removes expired offsets every offsets.retention.check.interval.ms. */
  startExpiry(): void {
    const every = this.config.offsetsRetentionCheckIntervalMs;
    if (every <= 0 || every >= 2 ** 31) return;
    this.expiryTimer = setInterval(() => {
      this.expiring ??= this.cleanupExpiredOffsets()
        .catch((e: unknown) => {
          this.log('warn', `removing expired offsets failed: ${(e as Error).message}`);
          return 0;
        })
        .finally(() => (this.expiring = undefined));
    }, every);
    this.expiryTimer.unref();
  }

  /** Stops the expiry timer and waits for a run under way. */
  async stopExpiry(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    await this.expiring;
  }

  // --- OffsetCommit --------------------------------------------------------

  /**
   * OffsetCommit: partitions that do not exist or carry too much metadata are
   * refused here, as Kafka's KafkaApis does before the coordinator sees them;
   * `admit` then says whether the committer may commit to the group now (the
   * group, created for an offset-only committer, or the error for every
   * partition left); the rest are written and, once in the log, committed.
   */
  async commit(req: CommitInput, admit: () => GroupMetadata | number): Promise<CommitResult> {
    const { valid, result, setAll } = this.checkPartitions(req);
    if (valid.length === 0) return result();
    const group = admit();
    if (typeof group === 'number') return setAll(group);
    const offsets = this.toStored(valid, req.retentionTimeMs);
    let batchOffset: number;
    try {
      batchOffset = await this.groups.storeOffsets(req.groupId, offsets);
    } catch (e) {
      this.log('warn', `group ${req.groupId}: storing ${offsets.length} offsets failed: ${(e as Error).message}`);
      return setAll(offsetStoreError(errorCodeOf(e)));
    }
    this.apply(group, offsets, batchOffset);
    return result();
  }

  /**
   * TxnOffsetCommit: checked as OffsetCommit is, written in a transactional
   * batch of the producer, and kept pending in the group until the
   * transaction's marker lands in the group's partition (completeTransaction).
   */
  async commitTransactional(req: CommitInput, producer: TransactionalProducer, admit: () => GroupMetadata | number): Promise<CommitResult> {
    const { valid, result, setAll } = this.checkPartitions(req);
    if (valid.length === 0) return result();
    const group = admit();
    if (typeof group === 'number') return setAll(group);
    const offsets = this.toStored(valid, -1);
    const pending = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.value }));
    group.pendingTxnOffsets.add(producer.producerId, pending);
    try {
      const batchOffset = await this.groups.storeOffsets(req.groupId, offsets, producer);
      group.pendingTxnOffsets.written(producer.producerId, pending, batchOffset);
    } catch (e) {
      group.pendingTxnOffsets.failed(producer.producerId, pending);
      this.log(
        'warn',
        `group ${req.groupId}: storing ${offsets.length} transactional offsets of producer ${producer.producerId} failed: ${(e as Error).message}`,
      );
      return setAll(offsetStoreError(errorCodeOf(e)));
    }
    return result();
  }

  /** A producer's transaction ended in a group's partition: its pending offsets are committed or dropped. */
  completeTransaction(group: GroupMetadata, producerId: number, committed: boolean): void {
    if (!group.pendingTxnOffsets.hasProducer(producerId)) return;
    const applied = group.completeTxnOffsets(producerId, committed);
    if (applied > 0 || !committed)
      this.log(
        'info',
        `group ${group.groupId}: transaction of producer ${producerId} ${committed ? `committed ${applied} offsets` : 'aborted, its offsets dropped'}`,
      );
  }

  /**
   * The per-partition checks Kafka's KafkaApis makes before the coordinator
   * sees a commit (the partition exists, the metadata fits): the partitions
   * that passed, the result so far, and `setAll` to give those one code.
   */
  private checkPartitions(req: CommitInput): { valid: CommitEntry[]; result: () => CommitResult; setAll: (code: number) => CommitResult } {
    const codes = req.topics.map((t) => t.partitions.map(() => ErrorCode.NONE as number));
    const result = (): CommitResult =>
      req.topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })) }));
    const valid: CommitEntry[] = [];
    req.topics.forEach((t, i) => {
      t.partitions.forEach((p, j) => {
        if (!this.topicPartitionExists(t.name, p.partitionIndex)) codes[i]![j] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata, 'utf8') > this.config.offsetMetadataMaxBytes)
          codes[i]![j] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else valid.push({ i, j, topic: t.name, p });
      });
    });
    const setAll = (code: number) => {
      for (const v of valid) codes[v.i]![v.j] = code;
      return result();
    };
    return { valid, result, setAll };
  }

  private toStored(valid: readonly CommitEntry[], retentionTimeMs: number): StoredOffset[] {
    const now = this.now();
    return valid.map(({ topic, p }) => ({
      topic,
      partition: p.partitionIndex,
      value: {
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata ?? '',
        commitTimestamp: p.commitTimestamp >= 0 ? p.commitTimestamp : now,
        expireTimestamp: retentionTimeMs >= 0 ? now + retentionTimeMs : -1,
      },
    }));
  }

  /** Written offsets become the group's, unless the group went away while they were written. */
  private apply(group: GroupMetadata, offsets: readonly StoredOffset[], batchOffset: number): void {
    if (group.is('Dead') || this.groups.get(group.groupId) !== group) return;
    for (const o of offsets) group.putOffset(o.topic, o.partition, { ...o.value, appendedBatchOffset: batchOffset });
  }

  // --- OffsetFetch ---------------------------------------------------------

  /**
   * A group's committed offsets; `topics` null means every offset it has.
   * Partitions without a commit get offset -1. With `requireStable` (KIP-447)
   * a partition a transaction holds an offset of answers UNSTABLE_OFFSET_COMMIT,
   * so the consumer waits for the transaction to end.
   */
  fetch(groupId: string, topics: FetchTopics, requireStable = false): FetchResult {
    const group = this.groups.get(groupId);
    const unstable = (topic: string, partition: number) => requireStable && group?.pendingTxnOffsets.hasPartition(topic, partition);
    const entry = (topic: string, partitionIndex: number, o: CommittedOffset | undefined): FetchedPartition =>
      unstable(topic, partitionIndex)
        ? { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : o
          ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
          : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    if (topics === null) {
      if (!group) return { errorCode: ErrorCode.NONE, topics: [] };
      return {
        errorCode: ErrorCode.NONE,
        topics: [...group.offsets.entries()].map(([name, byPartition]) => ({
          name,
          partitions: [...byPartition.entries()].sort(([a], [b]) => a - b).map(([p, o]) => entry(name, p, o)),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(t.name, p, group?.offset(t.name, p))) })),
    };
  }

  // --- OffsetDelete, DeleteGroups ------------------------------------------

  /** OffsetDelete: removes offsets of topics the group does not subscribe to (all of them once it is Empty). */
  async delete(groupId: string, topics: OffsetDeleteTopics): Promise<OffsetDeleteResult> {
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const codes = topics.map((t) => t.partitions.map(() => ErrorCode.NONE as number));
    const deletable: Array<{ topic: string; partition: number }> = [];
    let subscribedCheck: ((topic: string) => boolean) | null;
    if (group.is('Empty')) subscribedCheck = () => false;
    else if (group.isConsumerGroup) subscribedCheck = (topic) => group.isSubscribedToTopic(topic);
    else return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    topics.forEach((t, i) => {
      t.partitions.forEach((p, j) => {
        if (!this.topicPartitionExists(t.name, p.partitionIndex)) codes[i]![j] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (subscribedCheck!(t.name)) codes[i]![j] = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else deletable.push({ topic: t.name, partition: p.partitionIndex });
      });
    });
    if (deletable.length > 0) {
      try {
        await this.cleanupGroup(group, deletable, false);
      } catch (e) {
        return { errorCode: groupStoreError(errorCodeOf(e)), topics: [] };
      }
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t, i) => ({
        name: t.name,
        partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })),
      })),
    };
  }

  /** DeleteGroups, once the coordinator found the group Empty: every offset goes, and with them the group. */
  async deleteGroup(group: GroupMetadata): Promise<void> {
    await this.cleanupGroup(group, group.allOffsets(), true);
  }

  /**
   * Removes the selected offsets from a group and writes their tombstones. An
   * Empty group left without offsets (or one being deleted) becomes Dead and
   * its metadata gets a tombstone too (Kafka's cleanupGroupMetadata).
   */
  private async cleanupGroup(group: GroupMetadata, selected: ReadonlyArray<{ topic: string; partition: number }>, deleteGroup: boolean): Promise<number> {
    const removed = selected.filter(({ topic, partition }) => group.removeOffset(topic, partition));
    if (deleteGroup && group.is('Empty')) {
      for (const o of group.allOffsets()) group.removeOffset(o.topic, o.partition);
    }
    const dead = group.is('Empty') && !group.hasOffsets;
    if (dead) {
      group.transitionTo('Dead');
      this.onGroupRemoved(group);
      this.groups.remove(group);
      this.log('info', `group ${group.groupId} transitioned to Dead in generation ${group.generationId}`);
    }
    await this.groups.storeTombstones(group.groupId, removed, dead);
    return removed.length;
  }

  // --- expiry --------------------------------------------------------------

  /** offsets.retention.minutes: drops expired offsets (and Empty groups left with none); returns how many offsets went. */
  async cleanupExpiredOffsets(nowMs = this.now()): Promise<number> {
    let total = 0;
    for (const group of this.groups.all()) {
      if (this.groups.isGroupLoading(group.groupId) || group.is('Dead') || group.pendingMembers.size > 0) continue;
      const expired = expiredOffsets(group, nowMs, this.config.offsetsRetentionMs);
      if (expired.length === 0 && !(group.is('Empty') && !group.hasOffsets)) continue;
      try {
        total += await this.cleanupGroup(group, expired, false);
      } catch (e) {
        this.log('warn', `group ${group.groupId}: writing tombstones for expired offsets failed: ${(e as Error).message}`);
      }
    }
    if (total > 0) this.log('info', `removed ${total} expired offsets`);
    return total;
  }
}

/**
 * A group's offsets past their retention (Kafka's removeExpiredOffsets): for
 * an Empty group counted from when it became Empty; for a Stable consumer
 * group only topics nobody subscribes to any more; for offset-only groups
 * from the commit. An offset with its own expiry (OffsetCommit v2-v4) goes then.
 */
function expiredOffsets(group: GroupMetadata, nowMs: number, retentionMs: number): Array<{ topic: string; partition: number }> {
  let base: ((o: CommittedOffset) => number) | null = null;
  let keep: ReadonlySet<string> = new Set();
  if (group.protocolType === null) base = (o) => o.commitTimestamp;
  else if (group.is('Empty')) base = (o) => group.currentStateTimestamp ?? o.commitTimestamp;
  else if (group.isConsumerGroup && group.subscribedTopics !== null && group.is('Stable')) {
    base = (o) => o.commitTimestamp;
    keep = group.subscribedTopics;
  }
  if (base === null) return [];
  const out: Array<{ topic: string; partition: number }> = [];
  for (const { topic, partition, offset } of group.allOffsets()) {
    if (keep.has(topic)) continue;
    const expired = offset.expireTimestamp >= 0 ? nowMs >= offset.expireTimestamp : nowMs - base(offset) >= retentionMs;
    if (expired) out.push({ topic, partition });
  }
  return out;
}
