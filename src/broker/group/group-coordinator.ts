import type { TransactionVerifier } from '../../../storage/log/producer-state.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type { BrokerConfig } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import type { Topics } from '../metadata/topics.js';
import type { Partition } from '../replica/partition.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { GroupMetadata } from './group-metadata.js';
import { GroupMetadataManager } from './group-metadata-manager.js';
import {
  type CommitInput,
  type CommitResult,
  commitError,
  type DescribedGroup,
  type FetchResult,
  type FetchTopics,
  type JoinGroupInput,
  type JoinGroupResult,
  joinError,
  type LeaveResult,
  type LeavingMember,
  type ListedGroup,
  type OffsetDeleteResult,
  type OffsetDeleteTopics,
  type SyncGroupInput,
  type SyncGroupResult,
  syncError,
} from './group-requests.js';
import { GroupStateMachine, type MembershipConfig } from './group-state-machine.js';
import { OffsetMetadataManager, type OffsetsConfig } from './offset-metadata-manager.js';
import { type OffsetsTopic, offsetsTopic } from './offsets-topic.js';

const EMPTY = Buffer.alloc(0);

export type GroupCoordinatorConfig = MembershipConfig & OffsetsConfig;

type Api = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'fetch' | 'describe' | 'delete' | 'offset-delete';

/**
 * Kafka's classic group coordinator, what the request handlers talk to. It
 * answers for the groups whose __consumer_offsets partitions this broker
 * leads, and hands each request to the part that owns it: membership and
 * rebalances to the GroupStateMachine, committed offsets to the
 * OffsetMetadataManager, the groups in memory and their records in
 * __consumer_offsets to the GroupMetadataManager. DescribeGroups, ListGroups
 * and DeleteGroups it answers itself.
 */
export class GroupCoordinator {
  private readonly groups: GroupMetadataManager;
  private readonly membership: GroupStateMachine;
  private readonly offsets: OffsetMetadataManager;
  private active = true;

  constructor(
    readonly offsetsTopic: OffsetsTopic,
    readonly config: GroupCoordinatorConfig,
    topicPartitionExists: (topic: string, partition: number) => boolean,
    private readonly log: BrokerLog,
    private readonly now: () => number = Date.now,
  ) {
    this.groups = new GroupMetadataManager(offsetsTopic, log, now);
    this.membership = new GroupStateMachine(this.groups, config, log);
    this.offsets = new OffsetMetadataManager(this.groups, config, topicPartitionExists, (group) => this.membership.onGroupUnloaded(group), log, now);
  }

  /** The coordinator a broker runs, configured by its group.* and offsets.* settings. */
  static forBroker(config: BrokerConfig, topics: Topics, replicas: ReplicaManager, liveBrokerCount: () => number, log: BrokerLog): GroupCoordinator {
    const offsets = offsetsTopic(topics, replicas, liveBrokerCount, {
      partitions: config.int('offsets.topic.num.partitions'),
      replicationFactor: config.int('offsets.topic.replication.factor'),
      segmentBytes: config.int('offsets.topic.segment.bytes'),
      compressionCodec: config.int('offsets.topic.compression.codec'),
      loadBufferSize: config.int('offsets.load.buffer.size'),
      commitTimeoutMs: config.int('offsets.commit.timeout.ms'),
    });
    return new GroupCoordinator(
      offsets,
      {
        minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
        maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
        initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
        maxSize: config.int('group.max.size'),
        offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
        offsetsRetentionCheckIntervalMs: config.int('offsets.retention.check.interval.ms'),
        offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
      },
      (topic, partition) => {
        const info = topics.get(topic);
        return info !== undefined && partition >= 0 && partition < info.replicas.length;
      },
      log,
    );
  }

  // --- lifecycle -----------------------------------------------------------

  /**
   * Starts the expiry timer and, on a single broker, which leads them all,
   * loads every __consumer_offsets partition (requests wait with
   * COORDINATOR_LOAD_IN_PROGRESS).
   */
  async startup(leadsEveryPartition = true): Promise<void> {
    this.offsets.startExpiry();
    if (!leadsEveryPartition) return; // in a cluster, onElection follows the controller's LeaderAndIsr
    const started = this.now();
    const loads: Array<Promise<number>> = [];
    for (let p = 0; p < this.offsetsTopic.partitionCount; p++) loads.push(this.onElection(p));
    const groups = (await Promise.all(loads)).reduce((a, b) => a + b, 0);
    if (this.offsetsTopic.exists) this.log('info', `loaded ${groups} groups from __consumer_offsets in ${this.now() - started} ms`);
  }

  /** Unloads every partition (members waiting are answered NOT_COORDINATOR), stops the timers and waits for loads and writes under way. */
  async shutdown(): Promise<void> {
    this.active = false;
    const expiryStopped = this.offsets.stopExpiry();
    for (let p = 0; p < this.offsetsTopic.partitionCount; p++) this.onResignation(p);
    await Promise.allSettled([expiryStopped, this.groups.idle()]);
  }

  /**
   * This broker became the leader of __consumer_offsets-`partition` (Kafka's
   * onElection): its groups and offsets are read from the log; until then they
   * answer COORDINATOR_LOAD_IN_PROGRESS. `gate`, if given, holds the reading
   * back (tests use it to observe the loading state). Resolves with how many
   * groups were loaded.
   */
  onElection(partition: number, gate?: Promise<unknown>): Promise<number> {
    return this.groups.loadPartition(partition, (group) => this.membership.onGroupLoaded(group), gate);
  }

  /**
   * This broker is no longer the leader of __consumer_offsets-`partition`
   * (Kafka's onResignation): its groups leave memory and members waiting in
   * them are answered NOT_COORDINATOR, to find the new coordinator.
   */
  onResignation(partition: number): void {
    this.groups.unloadPartition(partition, (group) => this.membership.onGroupUnloaded(group));
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Whether this broker is the group's coordinator now, its partition of __consumer_offsets loaded. */
  isCoordinatorFor(groupId: string): boolean {
    return this.validateGroupStatus(groupId, 'describe') === null;
  }

  /** True while any __consumer_offsets partition is still loading. */
  get isLoading(): boolean {
    return this.groups.isLoading;
  }

  isGroupLoading(groupId: string): boolean {
    return this.groups.isGroupLoading(groupId);
  }

  /** FindCoordinator's answer for a group key: null when this broker coordinates it now, else the error. */
  coordinatorError(groupId: string): number | null {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isGroupLoading(groupId)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.groups.isGroupLocal(groupId)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return null;
  }

  /** The group, if it exists (for tests and tools). */
  group(groupId: string): GroupMetadata | undefined {
    return this.groups.get(groupId);
  }

  private validateGroupStatus(groupId: string | null, api: Api): number | null {
    const emptyAllowed = api === 'commit' || api === 'fetch' || api === 'describe' || api === 'delete';
    if (groupId === null || (!emptyAllowed && groupId === '')) return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isGroupLoading(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.groups.isGroupLocal(groupId)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  // --- membership ----------------------------------------------------------

  /** Resolves when the member's JoinGroup is answered: at once for errors, else when the rebalance completes. */
  joinGroup(req: JoinGroupInput): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      const error = this.validateGroupStatus(req.groupId, 'join');
      if (error !== null) resolve(joinError(req.memberId, error));
      else this.membership.joinGroup(req, resolve);
    });
  }

  /** Resolves with the member's assignment: for followers once the leader has sent the group's. */
  syncGroup(req: SyncGroupInput): Promise<SyncGroupResult> {
    return new Promise((resolve) => {
      const error = this.validateGroupStatus(req.groupId, 'sync');
      // A loading coordinator has lost the rebalance: REBALANCE_IN_PROGRESS sends the member back to JoinGroup (older clients do not know LOAD_IN_PROGRESS here).
      if (error !== null) resolve(syncError(error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.REBALANCE_IN_PROGRESS : error));
      else this.membership.syncGroup(req, resolve);
    });
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    return this.validateGroupStatus(groupId, 'heartbeat') ?? this.membership.heartbeat(groupId, memberId, groupInstanceId, generationId);
  }

  leaveGroup(groupId: string, leaving: readonly LeavingMember[]): LeaveResult {
    const error = this.validateGroupStatus(groupId, 'leave');
    if (error !== null) return { errorCode: error, members: [] };
    return this.membership.leaveGroup(groupId, leaving);
  }

  // --- offsets -------------------------------------------------------------

  commitOffsets(req: CommitInput): Promise<CommitResult> {
    const error = this.validateGroupStatus(req.groupId, 'commit');
    if (error !== null) return Promise.resolve(commitError(req.topics, error));
    return this.offsets.commit(req, () => this.membership.admitCommit(req));
  }

  /**
   * TxnOffsetCommit (KIP-98): a transactional producer commits a group's
   * offsets inside its transaction; they become the group's only when the
   * transaction commits. `verify` asks the transaction coordinator whether
   * the group's partition is in the transaction (throwing KafkaError if not),
   * giving what lets the commit start the transaction there. A producer without the
   * consumer's membership (before TxnOffsetCommit v3, KIP-447) commits as a
   * non-member may.
   */
  async commitTransactionalOffsets(
    req: CommitInput,
    producer: { producerId: number; producerEpoch: number },
    verify: (partition: Partition) => Promise<TransactionVerifier | undefined>,
  ): Promise<CommitResult> {
    const error = this.validateGroupStatus(req.groupId, 'commit');
    if (error !== null) return commitError(req.topics, error);
    // KIP-890: the group's __consumer_offsets partition must be in the producer's transaction (AddOffsetsToTxn), or nothing would ever end it.
    let verifyTransaction: TransactionVerifier | undefined;
    try {
      await this.offsetsTopic.ensure();
      const partition = this.offsetsTopic.partition(this.offsetsTopic.partitionFor(req.groupId));
      if (!partition) return commitError(req.topics, ErrorCode.NOT_COORDINATOR);
      verifyTransaction = await verify(partition);
    } catch (e) {
      return commitError(req.topics, errorCodeOf(e));
    }
    const again = this.validateGroupStatus(req.groupId, 'commit');
    if (again !== null) return commitError(req.topics, again);
    const withoutMembership = req.generationId < 0 && req.memberId === '' && req.groupInstanceId === null;
    return this.offsets.commitTransactional(req, { ...producer, verifyTransaction }, () => {
      const group = this.groups.get(req.groupId);
      if (!withoutMembership || !group) return this.membership.admitCommit(req);
      return group.is('Dead') ? ErrorCode.COORDINATOR_NOT_AVAILABLE : group;
    });
  }

  /**
   * A transaction's marker was written to __consumer_offsets-`partition`
   * (WriteTxnMarkers): the producer's offsets pending in that partition's
   * groups are committed or dropped (Kafka's handleTxnCompletion).
   */
  completeTransaction(producerId: number, partition: number, committed: boolean): void {
    for (const group of this.groups.all()) {
      if (this.groups.offsetsTopic.partitionFor(group.groupId) === partition) this.offsets.completeTransaction(group, producerId, committed);
    }
  }

  /** Committed offsets of a group; `topics` null means every offset it has. Partitions without a commit get offset -1; with `requireStable`, those a transaction holds get UNSTABLE_OFFSET_COMMIT. */
  fetchOffsets(groupId: string, topics: FetchTopics, requireStable = false): FetchResult {
    const error = this.validateGroupStatus(groupId, 'fetch');
    if (error !== null) return { errorCode: error, topics: [] };
    return this.offsets.fetch(groupId, topics, requireStable);
  }

  async deleteOffsets(groupId: string, topics: OffsetDeleteTopics): Promise<OffsetDeleteResult> {
    const error = this.validateGroupStatus(groupId, 'offset-delete');
    if (error !== null) return { errorCode: error, topics: [] };
    return this.offsets.delete(groupId, topics);
  }

  /** offsets.retention.minutes: drops expired offsets (and Empty groups left with none); returns how many offsets went. */
  cleanupExpiredOffsets(nowMs = this.now()): Promise<number> {
    if (!this.active) return Promise.resolve(0);
    return this.offsets.cleanupExpiredOffsets(nowMs);
  }

  // --- DescribeGroups, ListGroups, DeleteGroups ----------------------------

  describeGroup(groupId: string): DescribedGroup {
    const error = this.validateGroupStatus(groupId, 'describe');
    if (error !== null) return { errorCode: error, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    // Metadata and assignments are shown only when they belong to a settled generation.
    const stable = group.is('Stable') && group.protocolName !== null;
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName! : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? (m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** Every live group, filtered by state and type names (case-insensitive; empty filters match all). */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: ListedGroup[] } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const groups: ListedGroup[] = [];
    for (const group of this.groups.all()) {
      if (group.is('Dead')) continue;
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has('classic')) continue;
      groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: 'classic' });
    }
    return { errorCode: this.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  /** Deletes Empty groups with their offsets; NON_EMPTY_GROUP while members remain. */
  async deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const results: Array<{ groupId: string; errorCode: number }> = [];
    const deleted: GroupMetadata[] = [];
    for (const groupId of groupIds) {
      const error = this.validateGroupStatus(groupId, 'delete');
      const group = error === null ? this.groups.get(groupId) : undefined;
      let code = error ?? ErrorCode.NONE;
      if (error === null) {
        if (!group || group.is('Dead')) code = ErrorCode.GROUP_ID_NOT_FOUND;
        else if (!group.is('Empty')) code = ErrorCode.NON_EMPTY_GROUP;
        else deleted.push(group);
      }
      results.push({ groupId, errorCode: code });
    }
    await Promise.all(deleted.map((g) => this.offsets.deleteGroup(g)));
    return results;
  }
}
