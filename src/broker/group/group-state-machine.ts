import { randomUUID } from 'node:crypto';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type { BrokerLog } from '../broker-log.js';
import type { GroupMetadata } from './group-metadata.js';
import { type GroupMetadataManager, groupStoreError } from './group-metadata-manager.js';
import {
  type CommitInput,
  type JoinGroupInput,
  type JoinGroupResult,
  joinError,
  type LeaveResult,
  type LeavingMember,
  type SyncGroupInput,
  type SyncGroupResult,
  syncError,
} from './group-requests.js';
import { MemberMetadata } from './member-metadata.js';
import { type DelayedJoin, RebalanceTimers } from './rebalance-timers.js';

/** How long a new member's JoinGroup may wait in a rebalance before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
const EMPTY = Buffer.alloc(0);

export interface MembershipConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  /** group.max.size */
  maxSize: number;
}

/**
 * Kafka's classic group state machine (the membership half of its
 * GroupCoordinator): JoinGroup, SyncGroup, Heartbeat and LeaveGroup move a
 * group through Empty, PreparingRebalance, CompletingRebalance, Stable and
 * Dead; KIP-394 pending members, KIP-345 static members, delayed joins and
 * syncs, session and rebalance timeouts. It owns the timers that decide when
 * a rebalance completes and when a member is gone (RebalanceTimers).
 *
 * The coordinator checks that a group is its own before anything reaches
 * here. Node runs one callback at a time, so the group lock Kafka takes
 * around each operation is implicit; only the log appends are asynchronous,
 * and their continuations recheck the group's state and generation as Kafka's do.
 */
export class GroupStateMachine {
  private readonly timers = new RebalanceTimers();

  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly config: MembershipConfig,
    private readonly log: BrokerLog,
  ) {}

  // --- JoinGroup -----------------------------------------------------------

  /** JoinGroup, once the coordinator found the group its own: `respond` runs at once for errors, else when the rebalance completes. */
  joinGroup(req: JoinGroupInput, respond: (r: JoinGroupResult) => void): void {
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return respond(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (!isUnknownMember) return respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = this.groups.create(req.groupId);
    }
    if (!this.acceptJoiningMember(group, req.memberId)) {
      const member = group.members.get(req.memberId);
      if (member) this.removeHeartbeat(member);
      this.timers.cancelPendingMember(group, req.memberId);
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
      group.addPendingMember(newMemberId);
      this.timers.schedulePendingMember(group, newMemberId, req.sessionTimeoutMs, () => this.expirePendingMember(group, newMemberId));
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
    const member = new MemberMetadata(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    member.isNew = true;
    // Joins during the initial delay of a new group extend it (group.initial.rebalance.delay.ms).
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    this.timers.cancelPendingMember(group, memberId);
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
  private updateStaticMemberAndRebalance(
    group: GroupMetadata,
    oldMemberId: string,
    newMemberId: string,
    req: JoinGroupInput,
    respond: (r: JoinGroupResult) => void,
  ): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(
      instanceId,
      oldMemberId,
      newMemberId,
      joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID),
      syncError(ErrorCode.FENCED_INSTANCE_ID),
    );
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
        this.groups.storeGroup(group, assignment).then(
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
            group.replaceStaticMember(
              instanceId,
              newMemberId,
              oldMemberId,
              joinError(newMemberId, groupStoreError(errorCodeOf(e))),
              syncError(ErrorCode.FENCED_INSTANCE_ID),
            );
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
    this.timers.scheduleJoin(group, { initial, remainingMs }, delayMs, (join) => this.onJoinTimer(group, join));
  }

  private onJoinTimer(group: GroupMetadata, join: DelayedJoin): void {
    if (join.initial && group.newMemberAdded && join.remainingMs !== 0) {
      // Members kept arriving during the initial delay: wait another delay, within the rebalance timeout.
      group.newMemberAdded = false;
      const delay = Math.min(this.config.initialRebalanceDelayMs, join.remainingMs);
      this.scheduleJoin(group, true, delay, Math.max(join.remainingMs - delay, 0));
      return;
    }
    this.onCompleteJoin(group);
  }

  /** Completes the join phase once every member rejoined (not during the initial delay, which always runs out). */
  private tryCompleteJoin(group: GroupMetadata): void {
    const join = this.timers.delayedJoin(group);
    if (join && !join.initial && group.is('PreparingRebalance') && group.hasAllMembersJoined) {
      this.timers.cancelJoin(group);
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
      this.groups
        .storeGroup(group, new Map())
        .catch((e: unknown) => this.log('warn', `group ${group.groupId}: storing the empty generation ${group.generationId} failed: ${(e as Error).message}`));
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

  /** SyncGroup, once the coordinator found the group its own: `respond` gets the member's assignment, for followers once the leader has sent the group's. */
  syncGroup(req: SyncGroupInput, respond: (r: SyncGroupResult) => void): void {
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
        if (missing.length > 0)
          this.log('warn', `group ${group.groupId} generation ${group.generationId}: the leader assigned nothing to ${missing.join(', ')}`);
        for (const id of missing) assignment.set(id, EMPTY);
        const generation = group.generationId;
        this.groups.storeGroup(group, assignment).then(
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
      const result: SyncGroupResult = {
        errorCode,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: errorCode === ErrorCode.NONE ? member.assignment : EMPTY,
      };
      // The session restarts now: an expiry while the member waited for the leader was ignored.
      if (group.maybeInvokeSyncCallback(member, result)) this.scheduleHeartbeat(group, member);
    }
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private schedulePendingSync(group: GroupMetadata): void {
    const generation = group.generationId;
    this.timers.scheduleSync(group, group.rebalanceTimeoutMs, () => this.onExpirePendingSync(group, generation));
  }

  private removeSyncExpiration(group: GroupMetadata): void {
    group.pendingSyncMembers.clear();
    this.timers.cancelSync(group);
  }

  private removePendingSyncMember(group: GroupMetadata, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.timers.cancelSync(group);
  }

  /** Members that got their JoinGroup answer but never sent SyncGroup within the rebalance timeout are removed. */
  private onExpirePendingSync(group: GroupMetadata, generation: number): void {
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

  /** Heartbeat, once the coordinator found the group its own: the member's session restarts. */
  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
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
    member.heartbeatSatisfied = false;
    this.timers.scheduleSession(member, timeoutMs, () => this.onExpireHeartbeat(group, member));
  }

  private removeHeartbeat(member: MemberMetadata): void {
    this.timers.cancelSession(member);
  }

  private onExpireHeartbeat(group: GroupMetadata, member: MemberMetadata): void {
    if (this.groups.get(group.groupId) !== group || group.members.get(member.memberId) !== member) return;
    if (member.hasSatisfiedHeartbeat) return;
    this.log(
      'info',
      `member ${member.memberId} in group ${group.groupId} has failed (session timeout ${member.sessionTimeoutMs} ms), removing it from the group`,
    );
    this.removeMemberAndUpdateGroup(group, member, `removing member ${member.memberId} on heartbeat expiration`);
  }

  private expirePendingMember(group: GroupMetadata, memberId: string): void {
    if (!group.isPendingMember(memberId)) return;
    this.log('info', `pending member ${memberId} in group ${group.groupId} has been removed after session timeout expiration`);
    this.removePendingMemberAndUpdateGroup(group, memberId);
  }

  private removePendingMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    this.timers.cancelPendingMember(group, memberId);
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

  /** LeaveGroup, once the coordinator found the group its own. */
  leaveGroup(groupId: string, leaving: readonly LeavingMember[]): LeaveResult {
    const group = this.groups.get(groupId);
    const answer = (m: { memberId: string; groupInstanceId: string | null }, errorCode: number) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode,
    });
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

  // --- OffsetCommit --------------------------------------------------------

  /** Whether the committer may commit now (Kafka's handleCommitOffsets): the group (created for an offset-only committer) or the error. */
  admitCommit(req: CommitInput): GroupMetadata | number {
    const group = this.groups.get(req.groupId);
    if (!group) {
      // Without the group only an offset-only ("simple") consumer, generation -1, may commit; it creates the group.
      if (req.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      return this.groups.create(req.groupId);
    }
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    // The group only stores offsets.
    if (req.generationId < 0 && group.is('Empty')) return group;
    // The member knows the new generation but has no assignment yet.
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // Stable, or PreparingRebalance (the heartbeat tells the member about the rebalance): the commit counts as a sign of life.
    this.scheduleHeartbeat(group, group.get(req.memberId));
    return group;
  }

  // --- groups coming and going ---------------------------------------------

  /** A group read from __consumer_offsets: its members' sessions start now. */
  onGroupLoaded(group: GroupMetadata): void {
    for (const member of group.members.values()) this.scheduleHeartbeat(group, member);
  }

  /** Stops a group's timers and answers its waiting members with NOT_COORDINATOR (Kafka's onGroupUnloaded). */
  onGroupUnloaded(group: GroupMetadata): void {
    this.timers.cancelAll(group);
    for (const id of [...group.pendingMembers]) group.removePendingMember(id);
    for (const member of group.members.values()) {
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.NOT_COORDINATOR));
    }
    if (!group.is('Dead')) group.transitionTo('Dead');
  }
}
