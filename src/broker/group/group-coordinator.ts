import { randomUUID } from 'node:crypto';
import type { RecordInput } from '../../../storage/record/record-batch-builder.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type { BrokerConfig } from '../broker-config.js';
import type { TopicManager } from '../metadata/topic-manager.js';
import { GroupMetadata, type CommittedOffset } from './group-metadata.js';
import { MemberMetadata, joinError, syncError, type JoinGroupResult, type MemberProtocol, type SyncGroupResult } from './member-metadata.js';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  type GroupMetadataRecord,
  type OffsetCommitRecord,
} from './offsets-records.js';
import { OffsetsTopic } from './offsets-topic.js';
import type { BrokerLog } from '../broker-log.js';

/** How long a new member's JoinGroup may wait in a rebalance before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
const EMPTY = Buffer.alloc(0);

export interface GroupCoordinatorConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxSize: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
}

type Api = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'fetch' | 'describe' | 'delete' | 'offset-delete';

export interface JoinGroupInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ without an instance id: a first join gets MEMBER_ID_REQUIRED (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814). */
  supportSkippingAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface LeaveResult {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  /** OffsetCommit v1 only; -1: now. */
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface CommitInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  /** OffsetCommit v2-v4; -1: offsets.retention.minutes. */
  retentionTimeMs: number;
  topics: Array<{ name: string; partitions: CommitPartition[] }>;
}

export type CommitResult = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchResult {
  errorCode: number;
  topics: Array<{ name: string; partitions: FetchedPartition[] }>;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }>;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

/** A log append failure as the client of a group write should see it (Kafka's storeGroup mapping). */
function groupStoreError(code: number): number {
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
function offsetStoreError(code: number): number {
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

/**
 * Kafka's classic group coordinator: the group state machine (Empty,
 * PreparingRebalance, CompletingRebalance, Stable, Dead), JoinGroup and
 * SyncGroup answered when the rebalance completes, session and rebalance
 * timeouts, static and pending members, and committed offsets kept in
 * __consumer_offsets and loaded back from it on start.
 *
 * Node runs one callback at a time, so the group lock Kafka takes around
 * each operation is implicit; only the log appends are asynchronous, and
 * their continuations recheck the group's state and generation as Kafka's do.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, GroupMetadata>();
  /** __consumer_offsets partitions being loaded: their groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  private readonly loading = new Set<number>();
  private active = true;
  private loadTask: Promise<void> | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    readonly offsetsTopic: OffsetsTopic,
    readonly config: GroupCoordinatorConfig,
    private readonly topicPartitionExists: (topic: string, partition: number) => boolean,
    private readonly log: BrokerLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The coordinator a broker runs, configured by its group.* and offsets.* settings. */
  static forBroker(config: BrokerConfig, topics: TopicManager, liveBrokerCount: () => number, log: BrokerLog): GroupCoordinator {
    const offsetsTopic = new OffsetsTopic(topics, liveBrokerCount, {
      partitions: config.int('offsets.topic.num.partitions'),
      replicationFactor: config.int('offsets.topic.replication.factor'),
      segmentBytes: config.int('offsets.topic.segment.bytes'),
      compressionCodec: config.int('offsets.topic.compression.codec'),
      loadBufferSize: config.int('offsets.load.buffer.size'),
    });
    return new GroupCoordinator(
      offsetsTopic,
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

  /** Starts loading every __consumer_offsets partition (requests wait with COORDINATOR_LOAD_IN_PROGRESS) and the expiry timer. */
  startup(): Promise<void> {
    const loaded = this.load();
    const every = this.config.offsetsRetentionCheckIntervalMs;
    if (every > 0 && every < 2 ** 31) {
      this.cleanupTimer = setInterval(() => this.track(this.cleanupExpiredOffsets()), every);
      this.cleanupTimer.unref();
    }
    return loaded;
  }

  /** Answers everything waiting with NOT_COORDINATOR, stops the timers and waits for loads and writes under way. */
  async shutdown(): Promise<void> {
    this.active = false;
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    for (const group of [...this.groups.values()]) this.unloadGroup(group);
    this.groups.clear();
    await Promise.allSettled([this.loadTask, ...this.background]);
    // A partition that was loading when the shutdown began may have added groups since.
    for (const group of [...this.groups.values()]) this.unloadGroup(group);
    this.groups.clear();
  }

  get isActive(): boolean {
    return this.active;
  }

  /** True while any __consumer_offsets partition is still loading. */
  get isLoading(): boolean {
    return this.loading.size > 0;
  }

  isGroupLoading(groupId: string): boolean {
    return this.loading.has(this.offsetsTopic.partitionFor(groupId));
  }

  /** FindCoordinator's answer for a group key: null when this broker coordinates it now, else the error. */
  coordinatorError(groupId: string): number | null {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isGroupLoading(groupId)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return null;
  }

  /** The group, if it exists (for tests and tools). */
  group(groupId: string): GroupMetadata | undefined {
    return this.groups.get(groupId);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    const done = () => this.background.delete(p);
    p.then(done, done);
    return p;
  }

  private isCoordinatorFor(groupId: string): boolean {
    // Before the topic exists its partitions will be created here, on first write.
    return !this.offsetsTopic.exists || this.offsetsTopic.partition(this.offsetsTopic.partitionFor(groupId)) !== undefined;
  }

  private validateGroupStatus(groupId: string | null, api: Api): number | null {
    const emptyAllowed = api === 'commit' || api === 'fetch' || api === 'describe' || api === 'delete';
    if (groupId === null || (!emptyAllowed && groupId === '')) return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isGroupLoading(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  // --- JoinGroup -----------------------------------------------------------

  /** Resolves when the member's JoinGroup is answered: at once for errors, else when the rebalance completes. */
  joinGroup(req: JoinGroupInput): Promise<JoinGroupResult> {
    return new Promise((resolve) => this.handleJoinGroup(req, resolve));
  }

  private handleJoinGroup(req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    const error = this.validateGroupStatus(req.groupId, 'join');
    if (error !== null) return respond(joinError(req.memberId, error));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return respond(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (!isUnknownMember) return respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new GroupMetadata(req.groupId, 'Empty', this.now);
      this.groups.set(req.groupId, group);
    }
    if (!this.acceptJoiningMember(group, req.memberId)) {
      const member = group.members.get(req.memberId);
      if (member) this.removeHeartbeat(member);
      group.remove(req.memberId);
      group.removeStaticMember(req.groupInstanceId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.doNewMemberJoinGroup(group, req, respond);
    } else {
      this.doCurrentMemberJoinGroup(group, req, respond);
    }
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private acceptJoiningMember(group: GroupMetadata, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.has(memberId) && group.get(memberId).isAwaitingJoin) || group.numMembersAwaitingJoin < this.config.maxSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < this.config.maxSize;
    }
  }

  private doNewMemberJoinGroup(group: GroupMetadata, req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    if (group.is('Dead')) return respond(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const existing = group.currentStaticMemberId(req.groupInstanceId);
      if (existing !== undefined && group.has(existing)) this.updateStaticMemberAndRebalance(group, existing, newMemberId, req, respond);
      else this.addMemberAndRebalance(group, newMemberId, req, respond);
    } else if (req.requireKnownMemberId) {
      // KIP-394: the member must come back with this id; until then it is pending and the rebalance waits for it.
      const timer = setTimeout(() => this.expirePendingMember(group, newMemberId), req.sessionTimeoutMs);
      timer.unref();
      group.addPendingMember(newMemberId, timer);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, req, respond);
    }
  }

  private doCurrentMemberJoinGroup(group: GroupMetadata, req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    const memberId = req.memberId;
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (group.isPendingMember(memberId)) {
      // Pending members are dynamic; an instance id here names no member this group gave the id to.
      if (req.groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return this.addMemberAndRebalance(group, memberId, req, respond);
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) return respond(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    if (!group.has(memberId) || (req.groupInstanceId !== null && !group.hasStaticMember(req.groupInstanceId))) {
      return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    const member = group.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, respond);
        break;
      case 'CompletingRebalance':
        // A retried JoinGroup with nothing changed gets the answer it missed.
        if (member.matches(req.protocols)) respond(this.currentJoinResult(group, memberId, group.isLeader(memberId)));
        else this.updateMemberAndRebalance(group, member, req, respond);
        break;
      case 'Stable':
        // The leader rejoining forces a rebalance: it may have seen metadata changes that matter to the assignment.
        if (group.isLeader(memberId) || !member.matches(req.protocols)) this.updateMemberAndRebalance(group, member, req, respond);
        else respond(this.currentJoinResult(group, memberId, false));
        break;
      case 'Empty':
      case 'Dead':
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        break;
    }
  }

  private currentJoinResult(group: GroupMetadata, memberId: string, withMembers: boolean): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId,
      members: withMembers ? group.currentMemberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: GroupMetadata, memberId: string, req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    const member = new MemberMetadata(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols);
    member.isNew = true;
    // Joins during the initial delay of a new group extend it (group.initial.rebalance.delay.ms).
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    // A new member cannot heartbeat before its JoinGroup is answered; a lost one is dropped after this.
    this.scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    if (req.groupInstanceId !== null) group.addStaticMember(req.groupInstanceId, memberId);
    this.maybePrepareRebalance(group, `adding new member ${memberId}${req.groupInstanceId !== null ? ` with group instance id ${req.groupInstanceId}` : ''}`);
  }

  private updateMemberAndRebalance(group: GroupMetadata, member: MemberMetadata, req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    this.maybePrepareRebalance(group, `updating metadata for member ${member.memberId}`);
  }

  /** A static member came back without its member id (a restart): it takes the place of its old id (KIP-345). */
  private updateStaticMemberAndRebalance(group: GroupMetadata, oldMemberId: string, newMemberId: string, req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID), syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.scheduleHeartbeat(group, member);
    const oldProtocols = member.protocols;
    const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = member.sessionTimeoutMs;
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable': {
        // Without a protocol change the group stays as it is: persist the new member id and answer with the current generation.
        if (group.protocolName !== group.selectProtocol()) {
          this.prepareRebalance(group, `static member ${newMemberId} with instance id ${instanceId} joined with a change of protocol`);
          return;
        }
        const generation = group.generationId;
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        const skip = req.supportSkippingAssignment && group.isLeader(newMemberId);
        this.storeGroup(group, assignment).then(
          () => {
            if (group.generationId !== generation) return;
            group.maybeInvokeJoinCallback(member, {
              errorCode: ErrorCode.NONE,
              generationId: group.generationId,
              protocolType: group.protocolType,
              protocolName: group.protocolName,
              // The old leader id, so a replaced leader does not compute an assignment a Stable group would never send out.
              leader: skip ? newMemberId : currentLeader,
              skipAssignment: skip,
              memberId: newMemberId,
              members: skip ? group.currentMemberMetadata() : [],
            });
          },
          (e: unknown) => {
            this.log('warn', `group ${group.groupId}: storing static member ${instanceId}'s new member id failed: ${(e as Error).message}`);
            if (group.members.get(newMemberId) !== member) return;
            group.replaceStaticMember(instanceId, newMemberId, oldMemberId, joinError(newMemberId, groupStoreError(errorCodeOf(e))), syncError(ErrorCode.FENCED_INSTANCE_ID));
            group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            this.scheduleHeartbeat(group, member);
          },
        );
        break;
      }
      case 'CompletingRebalance':
        // The leader may already be computing an assignment for the old id: rebalance so the new id gets one.
        this.prepareRebalance(group, `updating metadata for static member ${newMemberId} with instance id ${instanceId}`);
        break;
      case 'PreparingRebalance':
        break;
      case 'Empty':
      case 'Dead':
        group.maybeInvokeJoinCallback(member, joinError(newMemberId, ErrorCode.UNKNOWN_MEMBER_ID));
        break;
    }
  }

  private maybePrepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: GroupMetadata, reason: string): void {
    // Members waiting for their assignment learn it will not come.
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    this.log('info', `preparing to rebalance group ${group.groupId} in state PreparingRebalance with old generation ${group.generationId} (reason: ${reason})`);
    if (initial) {
      const delay = this.config.initialRebalanceDelayMs;
      this.scheduleJoin(group, true, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoin(group, false, group.rebalanceTimeoutMs, 0);
      this.tryCompleteJoin(group);
    }
  }

  private scheduleJoin(group: GroupMetadata, initial: boolean, delayMs: number, remainingMs: number): void {
    if (group.pendingJoin) clearTimeout(group.pendingJoin.timer);
    const timer = setTimeout(() => this.onJoinTimer(group), delayMs);
    timer.unref();
    group.pendingJoin = { timer, initial, remainingMs };
  }

  private cancelJoin(group: GroupMetadata): void {
    if (group.pendingJoin) clearTimeout(group.pendingJoin.timer);
    group.pendingJoin = undefined;
  }

  private onJoinTimer(group: GroupMetadata): void {
    const pending = group.pendingJoin;
    if (!pending) return;
    group.pendingJoin = undefined;
    if (pending.initial && group.newMemberAdded && pending.remainingMs !== 0) {
      // Members kept arriving during the initial delay: wait another delay, within the rebalance timeout.
      group.newMemberAdded = false;
      const delay = Math.min(this.config.initialRebalanceDelayMs, pending.remainingMs);
      this.scheduleJoin(group, true, delay, Math.max(pending.remainingMs - delay, 0));
      return;
    }
    this.onCompleteJoin(group);
  }

  /** Completes the join phase once every member rejoined (not during the initial delay, which always runs out). */
  private tryCompleteJoin(group: GroupMetadata): void {
    if (group.pendingJoin && !group.pendingJoin.initial && group.is('PreparingRebalance') && group.hasAllMembersJoined) {
      this.cancelJoin(group);
      this.onCompleteJoin(group);
    }
  }

  private onCompleteJoin(group: GroupMetadata): void {
    if (!group.is('PreparingRebalance')) return;
    // Dynamic members that did not rejoin in time are gone; static ones keep their place.
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStatic) continue;
      this.removeHeartbeat(member);
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      group.remove(member.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined are left: wait for them (or their sessions) again.
      this.log('warn', `group ${group.groupId} could not complete its rebalance because no members rejoined`);
      this.scheduleJoin(group, false, group.rebalanceTimeoutMs, 0);
      return;
    }
    group.initNextGeneration();
    if (group.is('Empty')) {
      this.log('info', `group ${group.groupId} with generation ${group.generationId} is now empty`);
      this.track(this.storeGroup(group, new Map())).catch((e: unknown) => this.log('warn', `group ${group.groupId}: storing the empty generation ${group.generationId} failed: ${(e as Error).message}`));
      return;
    }
    this.log('info', `stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members (protocol ${group.protocolName})`);
    for (const member of group.members.values()) {
      group.maybeInvokeJoinCallback(member, this.currentJoinResult(group, member.memberId, group.isLeader(member.memberId)));
      this.scheduleHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  // --- SyncGroup -----------------------------------------------------------

  /** Resolves with the member's assignment: for followers once the leader has sent the group's. */
  syncGroup(req: SyncGroupInput): Promise<SyncGroupResult> {
    return new Promise((resolve) => this.handleSyncGroup(req, resolve));
  }

  private handleSyncGroup(req: SyncGroupInput, respond: (r: SyncGroupResult) => void): void {
    const error = this.validateGroupStatus(req.groupId, 'sync');
    // A loading coordinator has lost the rebalance: REBALANCE_IN_PROGRESS sends the member back to JoinGroup (older clients do not know LOAD_IN_PROGRESS here).
    if (error !== null) return respond(syncError(error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.REBALANCE_IN_PROGRESS : error));
    const group = this.groups.get(req.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return respond(syncError(ErrorCode.FENCED_INSTANCE_ID));
    if (!group.has(req.memberId)) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (req.protocolType !== null && req.protocolType !== group.protocolType) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (req.protocolName !== null && req.protocolName !== group.protocolName) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const member = group.get(req.memberId);
    switch (group.state) {
      case 'Empty':
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        // A duplicate SyncGroup replaces the earlier one, which is told to rejoin rather than left unanswered.
        group.maybeInvokeSyncCallback(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.removePendingSyncMember(group, req.memberId);
        if (!group.isLeader(req.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) if (group.has(a.memberId)) assignment.set(a.memberId, a.assignment);
        const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
        if (missing.length > 0) this.log('warn', `group ${group.groupId} generation ${group.generationId}: the leader assigned nothing to ${missing.join(', ')}`);
        for (const id of missing) assignment.set(id, EMPTY);
        const generation = group.generationId;
        this.storeGroup(group, assignment).then(
          () => {
            // Another member may have joined meanwhile; then this generation is over.
            if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
            for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY;
            this.propagateAssignment(group, ErrorCode.NONE);
            group.transitionTo('Stable');
          },
          (e: unknown) => {
            if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
            this.log('warn', `group ${group.groupId}: storing generation ${generation} failed: ${(e as Error).message}`);
            this.resetAndPropagateAssignmentError(group, groupStoreError(errorCodeOf(e)));
            this.maybePrepareRebalance(group, `failed to store the group's assignment (${(e as Error).message})`);
          },
        );
        return;
      }
      case 'Stable':
        this.removePendingSyncMember(group, req.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.scheduleHeartbeat(group, member);
        return;
      case 'Dead':
        return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private propagateAssignment(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) {
      const result: SyncGroupResult = { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: errorCode === ErrorCode.NONE ? member.assignment : EMPTY };
      // The session restarts now: an expiry while the member waited for the leader was ignored.
      if (group.maybeInvokeSyncCallback(member, result)) this.scheduleHeartbeat(group, member);
    }
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private schedulePendingSync(group: GroupMetadata): void {
    if (group.pendingSyncTimer) clearTimeout(group.pendingSyncTimer);
    const generation = group.generationId;
    group.pendingSyncTimer = setTimeout(() => this.onExpirePendingSync(group, generation), group.rebalanceTimeoutMs);
    group.pendingSyncTimer.unref();
  }

  private removeSyncExpiration(group: GroupMetadata): void {
    group.pendingSyncMembers.clear();
    if (group.pendingSyncTimer) clearTimeout(group.pendingSyncTimer);
    group.pendingSyncTimer = undefined;
  }

  private removePendingSyncMember(group: GroupMetadata, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0 && group.pendingSyncTimer) {
      clearTimeout(group.pendingSyncTimer);
      group.pendingSyncTimer = undefined;
    }
  }

  /** Members that got their JoinGroup answer but never sent SyncGroup within the rebalance timeout are removed. */
  private onExpirePendingSync(group: GroupMetadata, generation: number): void {
    group.pendingSyncTimer = undefined;
    if (this.groups.get(group.groupId) !== group || group.generationId !== generation) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
    const missing = [...group.pendingSyncMembers];
    this.log('info', `group ${group.groupId} generation ${generation}: removing members that sent no SyncGroup: ${missing.join(', ')}`);
    for (const id of missing) {
      const member = group.members.get(id);
      if (member) {
        this.removeHeartbeat(member);
        group.removeStaticMember(member.groupInstanceId);
      }
      group.remove(id);
    }
    this.prepareRebalance(group, `members ${missing.join(', ')} sent no SyncGroup within the rebalance timeout`);
  }

  // --- Heartbeat and sessions ----------------------------------------------

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const error = this.validateGroupStatus(groupId, 'heartbeat');
    if (error !== null) return error;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.get(memberId);
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleHeartbeat(group, member);
        return ErrorCode.NONE;
      case 'PreparingRebalance':
        this.scheduleHeartbeat(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'Dead':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** Restarts the member's session: it is removed unless something from it arrives within `timeoutMs`. */
  private scheduleHeartbeat(group: GroupMetadata, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    if (member.heartbeatTimer) clearTimeout(member.heartbeatTimer);
    member.heartbeatSatisfied = false;
    member.heartbeatTimer = setTimeout(() => this.onExpireHeartbeat(group, member), timeoutMs);
    member.heartbeatTimer.unref();
  }

  private removeHeartbeat(member: MemberMetadata): void {
    if (member.heartbeatTimer) clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = undefined;
  }

  private onExpireHeartbeat(group: GroupMetadata, member: MemberMetadata): void {
    member.heartbeatTimer = undefined;
    if (this.groups.get(group.groupId) !== group || group.members.get(member.memberId) !== member) return;
    if (member.hasSatisfiedHeartbeat) return;
    this.log('info', `member ${member.memberId} in group ${group.groupId} has failed (session timeout ${member.sessionTimeoutMs} ms), removing it from the group`);
    this.removeMemberAndUpdateGroup(group, member, `removing member ${member.memberId} on heartbeat expiration`);
  }

  private expirePendingMember(group: GroupMetadata, memberId: string): void {
    if (!group.isPendingMember(memberId)) return;
    this.log('info', `pending member ${memberId} in group ${group.groupId} has been removed after session timeout expiration`);
    this.removePendingMemberAndUpdateGroup(group, memberId);
  }

  private removePendingMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    group.removePendingMember(memberId);
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private removeMemberAndUpdateGroup(group: GroupMetadata, member: MemberMetadata, reason: string): void {
    // A member still waiting in JoinGroup is told to rejoin if it is in fact alive.
    group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    group.maybeInvokeSyncCallback(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    this.removeHeartbeat(member);
    group.remove(member.memberId);
    group.removeStaticMember(member.groupInstanceId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  // --- LeaveGroup ----------------------------------------------------------

  leaveGroup(groupId: string, leaving: Array<{ memberId: string; groupInstanceId: string | null; reason?: string | null }>): LeaveResult {
    const error = this.validateGroupStatus(groupId, 'leave');
    if (error !== null) return { errorCode: error, members: [] };
    const group = this.groups.get(groupId);
    const answer = (m: { memberId: string; groupInstanceId: string | null }, errorCode: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      // A static member may leave by its instance id alone.
      const memberId = m.memberId === '' && m.groupInstanceId !== null ? group.currentStaticMemberId(m.groupInstanceId) : m.memberId;
      if (memberId === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
      if (group.isStaticMemberFenced(m.groupInstanceId, memberId)) return answer(m, ErrorCode.FENCED_INSTANCE_ID);
      if (group.isPendingMember(memberId)) {
        this.removePendingMemberAndUpdateGroup(group, memberId);
        return answer(m, ErrorCode.NONE);
      }
      const member = group.members.get(memberId);
      if (!member) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
      this.log('info', `member ${memberId} has left group ${groupId} through an explicit LeaveGroup${m.reason ? ` (reason: ${m.reason})` : ''}`);
      this.removeMemberAndUpdateGroup(group, member, `removing member ${memberId} on LeaveGroup${m.reason ? ` (${m.reason})` : ''}`);
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  // --- Offsets -------------------------------------------------------------

  async commitOffsets(req: CommitInput): Promise<CommitResult> {
    const codes = req.topics.map((t) => t.partitions.map(() => ErrorCode.NONE as number));
    const result = (): CommitResult => req.topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })) }));
    const fail = (code: number) => {
      for (const list of codes) list.fill(code);
      return result();
    };
    const groupError = this.validateGroupStatus(req.groupId, 'commit');
    if (groupError !== null) return fail(groupError);
    // Partition checks first (Kafka's KafkaApis does these before the coordinator sees the commit).
    const valid: Array<{ i: number; j: number; topic: string; p: CommitPartition }> = [];
    req.topics.forEach((t, i) =>
      t.partitions.forEach((p, j) => {
        if (!this.topicPartitionExists(t.name, p.partitionIndex)) codes[i]![j] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata, 'utf8') > this.config.offsetMetadataMaxBytes) codes[i]![j] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else valid.push({ i, j, topic: t.name, p });
      }),
    );
    if (valid.length === 0) return result();
    let group = this.groups.get(req.groupId);
    const setAll = (code: number) => {
      for (const v of valid) codes[v.i]![v.j] = code;
      return result();
    };
    if (!group) {
      // Without the group only an offset-only ("simple") consumer, generation -1, may commit; it creates the group.
      if (req.generationId >= 0) return setAll(ErrorCode.ILLEGAL_GENERATION);
      group = new GroupMetadata(req.groupId, 'Empty', this.now);
      this.groups.set(req.groupId, group);
    } else if (group.is('Dead')) {
      return setAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } else if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) {
      return setAll(ErrorCode.FENCED_INSTANCE_ID);
    } else if (req.generationId < 0 && group.is('Empty')) {
      // The group only stores offsets.
    } else if (group.is('CompletingRebalance')) {
      // The member knows the new generation but has no assignment yet.
      return setAll(ErrorCode.REBALANCE_IN_PROGRESS);
    } else if (!group.has(req.memberId)) {
      return setAll(ErrorCode.UNKNOWN_MEMBER_ID);
    } else if (req.generationId !== group.generationId) {
      return setAll(ErrorCode.ILLEGAL_GENERATION);
    } else {
      // Stable, or PreparingRebalance (the heartbeat tells the member about the rebalance): the commit counts as a sign of life.
      this.scheduleHeartbeat(group, group.get(req.memberId));
    }
    const now = this.now();
    const stored = valid.map((v) => ({
      ...v,
      value: {
        offset: v.p.committedOffset,
        leaderEpoch: v.p.committedLeaderEpoch,
        metadata: v.p.committedMetadata ?? '',
        commitTimestamp: v.p.commitTimestamp >= 0 ? v.p.commitTimestamp : now,
        expireTimestamp: req.retentionTimeMs >= 0 ? now + req.retentionTimeMs : -1,
      } satisfies OffsetCommitRecord,
    }));
    try {
      await this.offsetsTopic.append(
        req.groupId,
        stored.map((s) => ({ key: offsetCommitKey(req.groupId, s.topic, s.p.partitionIndex), value: offsetCommitValue(s.value) })),
      );
    } catch (e) {
      this.log('warn', `group ${req.groupId}: storing ${stored.length} offsets failed: ${(e as Error).message}`);
      return setAll(offsetStoreError(errorCodeOf(e)));
    }
    if (!group.is('Dead') && this.groups.get(req.groupId) === group) {
      for (const s of stored) group.putOffset(s.topic, s.p.partitionIndex, s.value);
    }
    return result();
  }

  /** Committed offsets of a group; `topics` null means every offset it has. Partitions without a commit get offset -1. */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null): FetchResult {
    const error = this.validateGroupStatus(groupId, 'fetch');
    if (error !== null) return { errorCode: error, topics: [] };
    const group = this.groups.get(groupId);
    const entry = (partitionIndex: number, o: CommittedOffset | undefined): FetchedPartition =>
      o
        ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    if (topics === null) {
      if (!group) return { errorCode: ErrorCode.NONE, topics: [] };
      return {
        errorCode: ErrorCode.NONE,
        topics: [...group.offsets.entries()].map(([name, byPartition]) => ({
          name,
          partitions: [...byPartition.entries()].sort(([a], [b]) => a - b).map(([p, o]) => entry(p, o)),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(p, group?.offset(t.name, p))) })),
    };
  }

  // --- DescribeGroups, ListGroups ------------------------------------------

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
    for (const group of this.groups.values()) {
      if (group.is('Dead')) continue;
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has('classic')) continue;
      groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: 'classic' });
    }
    return { errorCode: this.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  // --- DeleteGroups, OffsetDelete ------------------------------------------

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
    await Promise.all(deleted.map((g) => this.cleanupGroup(g, () => g.allOffsets(), true)));
    return results;
  }

  async deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>): Promise<OffsetDeleteResult> {
    const error = this.validateGroupStatus(groupId, 'offset-delete');
    if (error !== null) return { errorCode: error, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const codes = topics.map((t) => t.partitions.map(() => ErrorCode.NONE as number));
    const deletable: Array<{ topic: string; partition: number }> = [];
    let subscribedCheck: ((topic: string) => boolean) | null;
    if (group.is('Empty')) subscribedCheck = () => false;
    else if (group.isConsumerGroup) subscribedCheck = (topic) => group.isSubscribedToTopic(topic);
    else return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    topics.forEach((t, i) =>
      t.partitions.forEach((p, j) => {
        if (!this.topicPartitionExists(t.name, p.partitionIndex)) codes[i]![j] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (subscribedCheck!(t.name)) codes[i]![j] = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else deletable.push({ topic: t.name, partition: p.partitionIndex });
      }),
    );
    if (deletable.length > 0) {
      try {
        await this.cleanupGroup(group, () => deletable, false);
      } catch (e) {
        return { errorCode: groupStoreError(errorCodeOf(e)), topics: [] };
      }
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })) })),
    };
  }

  /**
   * Removes the selected offsets from a group and writes their tombstones. An
   * Empty group left without offsets (or one being deleted) becomes Dead and
   * its metadata gets a tombstone too (Kafka's cleanupGroupMetadata).
   */
  private async cleanupGroup(group: GroupMetadata, select: () => Array<{ topic: string; partition: number }>, deleteGroup: boolean): Promise<number> {
    const removed = select().filter(({ topic, partition }) => group.removeOffset(topic, partition));
    if (deleteGroup && group.is('Empty')) {
      for (const o of group.allOffsets()) group.removeOffset(o.topic, o.partition);
    }
    const records: RecordInput[] = removed.map(({ topic, partition }) => ({ key: offsetCommitKey(group.groupId, topic, partition), value: null }));
    if (group.is('Empty') && !group.hasOffsets) {
      group.transitionTo('Dead');
      this.unloadGroup(group);
      if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
      this.log('info', `group ${group.groupId} transitioned to Dead in generation ${group.generationId}`);
      records.push({ key: groupMetadataKey(group.groupId), value: null });
    }
    await this.track(this.offsetsTopic.append(group.groupId, records));
    return removed.length;
  }

  /** offsets.retention.minutes: drops expired offsets (and Empty groups left with none); returns how many offsets went. */
  async cleanupExpiredOffsets(nowMs = this.now()): Promise<number> {
    if (!this.active) return 0;
    let total = 0;
    for (const group of [...this.groups.values()]) {
      if (this.isGroupLoading(group.groupId) || group.is('Dead') || group.pendingMembers.size > 0) continue;
      const expired = group.expiredOffsets(nowMs, this.config.offsetsRetentionMs);
      if (expired.length === 0 && !(group.is('Empty') && !group.hasOffsets)) continue;
      try {
        total += await this.cleanupGroup(group, () => expired, false);
      } catch (e) {
        this.log('warn', `group ${group.groupId}: writing tombstones for expired offsets failed: ${(e as Error).message}`);
      }
    }
    if (total > 0) this.log('info', `removed ${total} expired offsets`);
    return total;
  }

  // --- persistence ---------------------------------------------------------

  /** Writes the group's metadata (members with their assignments) to __consumer_offsets. */
  private storeGroup(group: GroupMetadata, assignment: ReadonlyMap<string, Buffer>): Promise<void> {
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
    return this.offsetsTopic.append(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(record) }]);
  }

  /**
   * (Re)loads every __consumer_offsets partition: groups of a partition answer
   * COORDINATOR_LOAD_IN_PROGRESS until it is read; whatever was in memory for
   * them is dropped first (waiting members get NOT_COORDINATOR). `gate`, if
   * given, holds the reading back (tests use it to observe the loading state).
   */
  load(gate?: Promise<unknown>): Promise<void> {
    const count = this.offsetsTopic.partitionCount;
    for (let p = 0; p < count; p++) this.loading.add(p);
    for (const group of [...this.groups.values()]) {
      this.unloadGroup(group);
      this.groups.delete(group.groupId);
    }
    const task = (async () => {
      if (gate) await gate;
      const started = this.now();
      let groups = 0;
      for (let p = 0; p < count; p++) {
        try {
          if (this.active) groups += await this.loadPartition(p);
        } catch (e) {
          this.log('error', `loading __consumer_offsets-${p} failed: ${(e as Error).stack ?? e}`);
        } finally {
          this.loading.delete(p);
        }
      }
      if (this.offsetsTopic.exists) this.log('info', `loaded ${groups} groups from __consumer_offsets in ${this.now() - started} ms`);
    })();
    this.loadTask = task;
    return task;
  }

  private async loadPartition(index: number): Promise<number> {
    const offsets = new Map<string, Map<string, { topic: string; partition: number; value: OffsetCommitRecord }>>();
    const metadata = new Map<string, GroupMetadataRecord>();
    for await (const record of this.offsetsTopic.read(index)) {
      if (record.key === null) continue;
      try {
        const key = decodeKey(record.key);
        if (key.kind === 'offset') {
          let byGroup = offsets.get(key.group);
          if (!byGroup) offsets.set(key.group, (byGroup = new Map()));
          const k = `${key.topic}\u0000${key.partition}`;
          if (record.value === null) byGroup.delete(k);
          else byGroup.set(k, { topic: key.topic, partition: key.partition, value: decodeOffsetCommitValue(record.value) });
        } else if (key.kind === 'group') {
          if (record.value === null) metadata.delete(key.group);
          else metadata.set(key.group, decodeGroupMetadataValue(record.value));
        }
      } catch (e) {
        this.log('warn', `__consumer_offsets-${index} offset ${record.offset}: unreadable record skipped (${(e as Error).message})`);
      }
    }
    const ids = new Set([...metadata.keys(), ...[...offsets.entries()].filter(([, o]) => o.size > 0).map(([g]) => g)]);
    for (const groupId of ids) {
      const group = this.groupFromRecord(groupId, metadata.get(groupId));
      for (const { topic, partition, value } of offsets.get(groupId)?.values() ?? []) group.putOffset(topic, partition, value);
      this.groups.set(groupId, group);
      for (const member of group.members.values()) this.scheduleHeartbeat(group, member);
    }
    return ids.size;
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
      const member = new MemberMetadata(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, record.protocolType, [
        { name: record.protocol!, metadata: m.subscription },
      ]);
      member.assignment = m.assignment;
      group.add(member, null);
      if (m.groupInstanceId !== null) group.addStaticMember(m.groupInstanceId, m.memberId);
    }
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  /** Stops a group's timers and answers its waiting members with NOT_COORDINATOR (Kafka's onGroupUnloaded). */
  private unloadGroup(group: GroupMetadata): void {
    this.cancelJoin(group);
    if (group.pendingSyncTimer) clearTimeout(group.pendingSyncTimer);
    group.pendingSyncTimer = undefined;
    for (const id of [...group.pendingMembers.keys()]) group.removePendingMember(id);
    for (const member of group.members.values()) {
      this.removeHeartbeat(member);
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.NOT_COORDINATOR));
    }
    if (!group.is('Dead')) group.transitionTo('Dead');
  }
}
