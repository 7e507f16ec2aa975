import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TransactionVerifier } from '../../../storage/log/producer-state.js';
import { ControlRecordType, readEndTransactionMarker } from '../../../storage/record/control-record.js';
import type { RecordBatchOptions, RecordInput } from '../../../storage/record/record-batch-builder.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { BrokerLog } from '../broker-log.js';
import { type CommittedOffset, GroupMetadata } from './group-metadata.js';
import { MemberMetadata } from './member-metadata.js';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  type GroupMetadataRecord,
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
} from './offsets-records.js';
import type { OffsetsTopic } from './offsets-topic.js';

/** Where the coordinator's parts write their log lines (the broker's log). */

const EMPTY = Buffer.alloc(0);

/** A log append failure as the client of a group write should see it (Kafka's storeGroup mapping). */
export function groupStoreError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** The same for offset commits (Kafka's storeOffsets mapping). */
export function offsetStoreError(code: number): number {
  switch (code) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REQUEST_TIMED_OUT;
    default:
      return groupStoreError(code);
  }
}

/** The producer of a transactional offset commit, with what lets its batch start the transaction in the group's partition (KIP-890). */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
  verifyTransaction?: TransactionVerifier;
}

/** One partition's offset commit as stored in (or read from) __consumer_offsets. */
export interface StoredOffset {
  topic: string;
  partition: number;
  value: CommittedOffset;
}

/** Records read from __consumer_offsets between two turns of the event loop while a partition loads. */
const RECORDS_PER_TURN = 1000;

/**
 * Kafka's GroupMetadataManager: the groups this broker coordinates, kept by
 * __consumer_offsets partition. A partition's groups and offsets are read
 * from its log when this broker becomes its leader (loadPartition) and
 * dropped when it stops being (unloadPartition); group metadata, offset
 * commits and their tombstones are written to it in Kafka's record layouts.
 */
export class GroupMetadataManager {
  private readonly groups = new Map<string, GroupMetadata>();
  /** Partitions whose groups are being read: they answer COORDINATOR_LOAD_IN_PROGRESS. */
  private readonly loading = new Set<number>();
  /** The partitions this broker coordinates, each with the load its groups come from: an unload (or a newer load) makes an older one install nothing. */
  private readonly owned = new Map<number, object>();
  /** Loads run one at a time, in the order asked (Kafka reads them on one thread). */
  private loads: Promise<unknown> = Promise.resolve();
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    readonly offsetsTopic: OffsetsTopic,
    private readonly log: BrokerLog,
    private readonly now: () => number,
  ) {}

  // --- the groups in memory ------------------------------------------------

  get(groupId: string): GroupMetadata | undefined {
    return this.groups.get(groupId);
  }

  /** A new Empty group, now known to the coordinator (Kafka's addGroup). */
  create(groupId: string): GroupMetadata {
    const group = new GroupMetadata(groupId, 'Empty', this.now);
    this.groups.set(groupId, group);
    return group;
  }

  /** Forgets a group (a Dead one) unless another has taken its id since. */
  remove(group: GroupMetadata): void {
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  /** The groups in memory, as a snapshot (callers may remove groups while they go through it). */
  all(): GroupMetadata[] {
    return [...this.groups.values()];
  }

  /** True while any __consumer_offsets partition is still loading. */
  get isLoading(): boolean {
    return this.loading.size > 0;
  }

  isGroupLoading(groupId: string): boolean {
    return this.loading.has(this.offsetsTopic.partitionFor(groupId));
  }

  /** Whether this broker coordinates the group: it was elected for the group's __consumer_offsets partition and hosts it. */
  isGroupLocal(groupId: string): boolean {
    const partition = this.offsetsTopic.partitionFor(groupId);
    if (!this.owned.has(partition)) return false;
    // Before the topic exists (or while this broker creates it) its partitions will be here, on first write.
    return !this.offsetsTopic.exists || this.offsetsTopic.isBeingCreated || this.offsetsTopic.partition(partition) !== undefined;
  }

  // --- loading and unloading a partition -----------------------------------

  /**
   * Reads one __consumer_offsets partition's groups and offsets into memory
   * (Kafka's loadGroupsAndOffsets). Its groups answer COORDINATOR_LOAD_IN_PROGRESS
   * from this call until they are in; `onLoaded` sees each group as it comes
   * in. `gate`, if given, holds the reading back (tests use it to observe the
   * loading state). Resolves with how many groups came in, 0 when the
   * partition was unloaded first.
   */
  loadPartition(partition: number, onLoaded: (group: GroupMetadata) => void, gate?: Promise<unknown>): Promise<number> {
    const load = {};
    this.owned.set(partition, load);
    this.loading.add(partition);
    const current = () => this.owned.get(partition) === load;
    const task = this.loads.then(async () => {
      try {
        if (gate) await gate;
        if (!current()) return 0;
        const groups = await this.readPartition(partition);
        if (!current()) return 0;
        for (const group of groups) {
          this.groups.set(group.groupId, group);
          onLoaded(group);
        }
        return groups.length;
      } catch (e) {
        this.log('error', `loading __consumer_offsets-${partition} failed: ${(e as Error).stack ?? e}`);
        return 0;
      } finally {
        if (current()) this.loading.delete(partition);
      }
    });
    this.loads = task;
    return task;
  }

  /**
   * Drops one partition's groups from memory (Kafka's removeGroupsForPartition);
   * `onUnloaded` stops each group's timers and answers its waiting members
   * before it goes. A load of the partition under way installs nothing.
   */
  unloadPartition(partition: number, onUnloaded: (group: GroupMetadata) => void): void {
    this.owned.delete(partition);
    this.loading.delete(partition);
    for (const group of this.all()) {
      if (this.offsetsTopic.partitionFor(group.groupId) !== partition) continue;
      onUnloaded(group);
      this.groups.delete(group.groupId);
    }
  }

  /** Resolves when the loads asked for so far and the writes under way have finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([this.loads, ...this.writes]);
  }

  private async readPartition(index: number): Promise<GroupMetadata[]> {
    const offsets = new Map<string, Map<string, StoredOffset>>();
    const metadata = new Map<string, GroupMetadataRecord>();
    // Transactional commits wait for their producer's marker: COMMIT makes them offsets, ABORT drops them (Kafka's loadGroupsAndOffsets).
    const pending = new Map<number, Map<string, Map<string, StoredOffset>>>();
    const unreadable = (offset: number, e: Error) =>
      this.log(
        'warn',
        `__consumer_offsets-${index}: the batch at offset ${offset} cannot be read and is skipped, with any group records in it (${e.name}: ${e.message})`,
      );
    let read = 0;
    for await (const { batch, record } of this.offsetsTopic.read(index, unreadable)) {
      // Kafka loads on a thread of its own; here the event loop goes on between slices of the load, so
      // the broker answers meanwhile (this partition's groups with COORDINATOR_LOAD_IN_PROGRESS) rather
      // than not at all until a large partition is read.
      if (++read % RECORDS_PER_TURN === 0) await nextTurn();
      try {
        if (batch.isControl) {
          const byGroup = pending.get(batch.producerId);
          pending.delete(batch.producerId);
          if (byGroup && readEndTransactionMarker(record).type === ControlRecordType.Commit) {
            for (const [group, committed] of byGroup) {
              let loaded = offsets.get(group);
              if (!loaded) offsets.set(group, (loaded = new Map()));
              for (const [k, o] of committed) if ((loaded.get(k)?.value.appendedBatchOffset ?? -1) < o.value.appendedBatchOffset!) loaded.set(k, o);
            }
          }
          continue;
        }
        if (record.key === null) continue;
        const key = decodeKey(record.key);
        if (key.kind === 'offset') {
          const k = `${key.topic}\u0000${key.partition}`;
          let target = offsets;
          if (batch.isTransactional) {
            let byGroup = pending.get(batch.producerId);
            if (!byGroup) pending.set(batch.producerId, (byGroup = new Map()));
            target = byGroup;
          }
          let byGroup = target.get(key.group);
          if (!byGroup) target.set(key.group, (byGroup = new Map()));
          if (record.value === null) byGroup.delete(k);
          else
            byGroup.set(k, {
              topic: key.topic,
              partition: key.partition,
              value: { ...decodeOffsetCommitValue(record.value), appendedBatchOffset: batch.baseOffset },
            });
        } else if (key.kind === 'group') {
          if (record.value === null) metadata.delete(key.group);
          else metadata.set(key.group, decodeGroupMetadataValue(record.value));
        }
      } catch (e) {
        this.log('warn', `__consumer_offsets-${index} offset ${record.offset}: unreadable record skipped (${(e as Error).message})`);
      }
    }
    const open = new Set([...pending.values()].flatMap((byGroup) => [...byGroup.keys()]));
    const ids = new Set([...metadata.keys(), ...[...offsets.entries()].filter(([, o]) => o.size > 0).map(([g]) => g), ...open]);
    return [...ids].map((groupId) => {
      const group = this.loadedGroup(index, groupId, metadata.get(groupId));
      for (const { topic, partition, value } of offsets.get(groupId)?.values() ?? []) group.putOffset(topic, partition, value);
      // Transactions still open when the log ends: their offsets stay pending until the coordinator writes the marker.
      for (const [producerId, byGroup] of pending) {
        const stored = byGroup.get(groupId);
        if (stored)
          group.pendingTxnOffsets.add(
            producerId,
            [...stored.values()].map((o) => ({ topic: o.topic, partition: o.partition, offset: o.value })),
          );
      }
      return group;
    });
  }

  /** The group its metadata record describes; one that decoded but does not hold together comes back Empty, keeping its offsets. */
  private loadedGroup(index: number, groupId: string, record: GroupMetadataRecord | undefined): GroupMetadata {
    try {
      return this.groupFromRecord(groupId, record);
    } catch (e) {
      this.log('warn', `__consumer_offsets-${index}: group ${groupId}'s metadata record cannot be loaded, so it starts Empty (${(e as Error).message})`);
      return this.groupFromRecord(groupId, undefined);
    }
  }

  private groupFromRecord(groupId: string, record: GroupMetadataRecord | undefined): GroupMetadata {
    if (!record) return new GroupMetadata(groupId, 'Empty', this.now);
    const members = record.protocol !== null ? record.members : [];
    const group = new GroupMetadata(groupId, members.length === 0 ? 'Empty' : 'Stable', this.now);
    group.generationId = record.generation;
    group.protocolType = record.protocolType === '' ? null : record.protocolType;
    group.protocolName = members.length === 0 ? null : record.protocol;
    group.leaderId = members.length === 0 ? null : record.leader;
    group.currentStateTimestamp = record.currentStateTimestamp >= 0 ? record.currentStateTimestamp : null;
    for (const m of members) {
      const member = new MemberMetadata(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeoutMs,
        m.sessionTimeoutMs,
        record.protocolType,
        [{ name: record.protocol!, metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      group.add(member, null);
      if (m.groupInstanceId !== null) group.addStaticMember(m.groupInstanceId, m.memberId);
    }
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  // --- writing records -----------------------------------------------------

  /** Writes the group's metadata: its generation and members, each with its assignment here (Kafka's storeGroup). */
  async storeGroup(group: GroupMetadata, assignment: ReadonlyMap<string, Buffer>): Promise<void> {
    const record: GroupMetadataRecord = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: group.currentStateTimestamp ?? this.now(),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: group.protocolName !== null ? (m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY) : EMPTY,
        assignment: assignment.get(m.memberId) ?? EMPTY,
      })),
    };
    await this.append(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(record) }]);
  }

  /**
   * Writes a group's offset commits, as one batch (Kafka's storeOffsets);
   * a transactional commit's batch carries its producer, as Kafka writes it
   * (sequence 0, transactional), starting the transaction in the partition
   * only as `verifyTransaction` allows. Resolves with the batch's offset in the log.
   */
  storeOffsets(groupId: string, offsets: readonly StoredOffset[], producer?: TransactionalProducer): Promise<number> {
    const batch = producer ? { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: 0, isTransactional: true } : {};
    return this.append(
      groupId,
      offsets.map((o) => ({ key: offsetCommitKey(groupId, o.topic, o.partition), value: offsetCommitValue(o.value) })),
      batch,
      producer?.verifyTransaction,
    );
  }

  /** Writes tombstones for a group's removed offsets and, with `groupRemoved`, for its metadata (Kafka's cleanupGroupMetadata). */
  async storeTombstones(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number }>, groupRemoved: boolean): Promise<void> {
    const records: RecordInput[] = offsets.map(({ topic, partition }) => ({ key: offsetCommitKey(groupId, topic, partition), value: null }));
    if (groupRemoved) records.push({ key: groupMetadataKey(groupId), value: null });
    await this.append(groupId, records);
  }

  private append(groupId: string, records: RecordInput[], batch: RecordBatchOptions = {}, verifyTransaction?: TransactionVerifier): Promise<number> {
    if (records.length === 0) return Promise.resolve(-1);
    const p = this.offsetsTopic.append(this.offsetsTopic.partitionFor(groupId), records, batch, verifyTransaction);
    this.writes.add(p);
    const done = () => this.writes.delete(p);
    p.then(done, done);
    return p;
  }
}
