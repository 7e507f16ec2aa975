import type { GroupMetadata } from './group-metadata.js';
import type { MemberMetadata } from './member-metadata.js';

/** How the rebalance under way completes: by the initial delay (Empty groups) or when everyone rejoined. */
export interface DelayedJoin {
  initial: boolean;
  /** InitialDelayedJoin: what is left of the rebalance timeout after this delay. */
  remainingMs: number;
}

/**
 * The timers of the classic rebalance protocol, where Kafka keeps its delayed
 * operations: per group the delayed join and the deadline for SyncGroups, per
 * member its session, per KIP-394 pending member the time it has to come back
 * with its id. Only the GroupStateMachine arms and cancels them. A timer is
 * forgotten before its callback runs, and none keeps the process alive.
 */
export class RebalanceTimers {
  private readonly joins = new Map<GroupMetadata, DelayedJoin & { timer: NodeJS.Timeout }>();
  private readonly syncs = new Map<GroupMetadata, NodeJS.Timeout>();
  private readonly sessions = new Map<MemberMetadata, NodeJS.Timeout>();
  private readonly pendingMembers = new Map<GroupMetadata, Map<string, NodeJS.Timeout>>();

  // --- the join phase of a rebalance ---------------------------------------

  /** Replaces the group's delayed join: `onExpire` runs after `delayMs` unless cancelled. */
  scheduleJoin(group: GroupMetadata, join: DelayedJoin, delayMs: number, onExpire: (join: DelayedJoin) => void): void {
    this.cancelJoin(group);
    const timer = later(delayMs, () => {
      this.joins.delete(group);
      onExpire(join);
    });
    this.joins.set(group, { ...join, timer });
  }

  /** The group's delayed join, if one is armed. */
  delayedJoin(group: GroupMetadata): DelayedJoin | undefined {
    return this.joins.get(group);
  }

  cancelJoin(group: GroupMetadata): void {
    const join = this.joins.get(group);
    if (join) clearTimeout(join.timer);
    this.joins.delete(group);
  }

  // --- the SyncGroup deadline ----------------------------------------------

  scheduleSync(group: GroupMetadata, delayMs: number, onExpire: () => void): void {
    this.cancelSync(group);
    this.syncs.set(
      group,
      later(delayMs, () => {
        this.syncs.delete(group);
        onExpire();
      }),
    );
  }

  cancelSync(group: GroupMetadata): void {
    const timer = this.syncs.get(group);
    if (timer) clearTimeout(timer);
    this.syncs.delete(group);
  }

  // --- member sessions -----------------------------------------------------

  /** Restarts the member's session: `onExpire` runs after `timeoutMs` unless it is restarted or cancelled first. */
  scheduleSession(member: MemberMetadata, timeoutMs: number, onExpire: () => void): void {
    this.cancelSession(member);
    this.sessions.set(
      member,
      later(timeoutMs, () => {
        this.sessions.delete(member);
        onExpire();
      }),
    );
  }

  cancelSession(member: MemberMetadata): void {
    const timer = this.sessions.get(member);
    if (timer) clearTimeout(timer);
    this.sessions.delete(member);
  }

  // --- KIP-394 pending members ---------------------------------------------

  schedulePendingMember(group: GroupMetadata, memberId: string, timeoutMs: number, onExpire: () => void): void {
    this.cancelPendingMember(group, memberId);
    let byMember = this.pendingMembers.get(group);
    if (!byMember) this.pendingMembers.set(group, (byMember = new Map()));
    byMember.set(
      memberId,
      later(timeoutMs, () => {
        this.forgetPendingMember(group, memberId);
        onExpire();
      }),
    );
  }

  cancelPendingMember(group: GroupMetadata, memberId: string): void {
    const timer = this.pendingMembers.get(group)?.get(memberId);
    if (timer) clearTimeout(timer);
    this.forgetPendingMember(group, memberId);
  }

  private forgetPendingMember(group: GroupMetadata, memberId: string): void {
    const byMember = this.pendingMembers.get(group);
    if (!byMember?.delete(memberId)) return;
    if (byMember.size === 0) this.pendingMembers.delete(group);
  }

  /** Every timer of the group and of its members (the group leaves this coordinator). */
  cancelAll(group: GroupMetadata): void {
    this.cancelJoin(group);
    this.cancelSync(group);
    for (const timer of this.pendingMembers.get(group)?.values() ?? []) clearTimeout(timer);
    this.pendingMembers.delete(group);
    for (const member of group.members.values()) this.cancelSession(member);
  }
}

function later(ms: number, run: () => void): NodeJS.Timeout {
  const timer = setTimeout(run, ms);
  timer.unref();
  return timer;
}
